# plots: gnuplot templates
