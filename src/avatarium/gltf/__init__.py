"""glTF 2.0 binaries (.glb, .vrm): the container, accessors, validation, scene graph and a small renderer."""
