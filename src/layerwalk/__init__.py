"""layerwalk: walk through a PyTorch CNN in 3D and in VR."""
