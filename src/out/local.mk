# src/out: (no sources yet)
