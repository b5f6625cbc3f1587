# src/fit: (no sources yet)
