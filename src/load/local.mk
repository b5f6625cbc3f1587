# src/load: (no sources yet)
