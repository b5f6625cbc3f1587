# bench: shipped deployment and campaign files
