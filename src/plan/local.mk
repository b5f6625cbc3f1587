# src/plan: (no sources yet)
