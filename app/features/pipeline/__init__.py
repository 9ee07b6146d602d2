"""The Pipeline board: one column per stage, cards dragged between them."""
