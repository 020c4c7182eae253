"""The integrations pages: install and manage, the project page's Integration settings, user links."""
