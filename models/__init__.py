"""Model families behind one interface: fit, predict_proba, contributions."""
