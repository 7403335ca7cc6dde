"""Model, voice and speech-to-text providers: one package each, described by a `ProviderSpec` (see spec.py),
behind three small contracts (see base.py); plugins arrive through the `avatarium.providers` entry points."""
