"""The review workspace in the browser: server-rendered pages, shipped assets, no internet needed."""
