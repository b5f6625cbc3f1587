# src/metrics: (no sources yet)
