"""Making an uploaded model lip-sync: find its face meshes and bake the 15 Oculus visemes into them."""
