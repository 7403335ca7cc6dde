"""The browser side served by the API server: SDK, widget, playground, landing page and offline API docs."""
