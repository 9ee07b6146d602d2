"""The login window: where and as whom to sign in, and keeping the sign-in."""
