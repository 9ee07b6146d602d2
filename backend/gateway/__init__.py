"""gateway: routing, auth check, rate limits, CORS, security headers, request ids. No tables."""
