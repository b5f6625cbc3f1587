# src/emu: (no sources yet)
