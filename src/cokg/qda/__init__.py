"""REFI-QDA exchange: coded projects (.qdpx) and codebooks (.qdc) in and out of cokg."""
