"""Networks whose weights are learned from training data: LISTA (``lista``)."""
