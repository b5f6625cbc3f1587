# src/net: (no sources yet)
