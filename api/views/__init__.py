"""API views, one module per area; each is thin: a serializer (or the page's form behind it) and one service call."""
