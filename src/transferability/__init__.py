"""Reference pipeline for "Features are fate" (Tahir, Ganguli, Rotskoff, ICML 2025).

``core`` holds what every study shares; ``linear`` and ``relu`` are the two studies.
"""
