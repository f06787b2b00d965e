"""Our own voice: text frontend, mel features, acoustic model, vocoder."""
