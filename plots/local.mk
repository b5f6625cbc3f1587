# plots: gnuplot templates that `servecal plot` fills in (installed as data;
# found via $SERVECAL_PLOTS, the source tree, or $(pkgdatadir)/plots).
plotsdir = $(pkgdatadir)/plots
dist_plots_DATA = plots/pareto.gp plots/ttft.gp plots/tpot.gp plots/align.gp
