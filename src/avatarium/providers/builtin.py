"""The providers shipped with Avatarium: the one place outside their own packages that names them."""

BUILTIN = (
    "avatarium.providers.local",
    "avatarium.providers.openai",
    "avatarium.providers.anthropic",
    "avatarium.providers.google",
    "avatarium.providers.xai",
    "avatarium.providers.groq",
    "avatarium.providers.elevenlabs",
    "avatarium.providers.deepgram",
    "avatarium.providers.compat",
)
