# calib: model and GPU catalogs, installed as data (listed, since automake
# wants the names).
calibmodelsdir = $(pkgdatadir)/calib/models
dist_calibmodels_DATA =
calibgpusdir = $(pkgdatadir)/calib/gpus
dist_calibgpus_DATA =
