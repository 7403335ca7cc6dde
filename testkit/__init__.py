"""What the tests and the benchmarks share: fake providers and vendors at the wire, a loopback server,
spoken test recordings and glTF builders. Neither `tests/` nor `bench/` imports the other."""
