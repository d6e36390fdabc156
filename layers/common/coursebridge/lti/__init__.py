"""LTI 1.3: login, launch validation, JWKS cache, deep linking, AGS client."""
