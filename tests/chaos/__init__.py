"""The chaos proof: orders through separate web and worker processes under injected faults.

``python -m tests.chaos`` (``make chaos``) runs every fault mode with 500 orders each; a small
run is part of the test suite (test_chaos.py). See docs/reliability.md.
"""
