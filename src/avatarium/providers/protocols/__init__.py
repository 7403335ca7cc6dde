"""Wire protocols several vendors speak, each subclassed by those vendors with their own paths."""
