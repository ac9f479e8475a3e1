"""Fast statistics: every neuron's fit and AUROC at once (see paths.py)."""
