"""The Home screen: the first one after sign-in."""
