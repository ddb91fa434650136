"""The Teams side: aiohttp app, adapter, activity handler, proactive sending, settings, CLI.

The only package that imports botbuilder / botframework.
"""
