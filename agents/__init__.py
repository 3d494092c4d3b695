"""jiesu agents: citizens (arrays), handling units, city and higher governments, diffusion rules."""
