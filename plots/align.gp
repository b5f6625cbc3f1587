# Alignment of the model with the measurements for one metric: projected
# against measured for every point of the fit, in-sample and held-out marked
# apart, the priors' projection in grey, the y = x line and a +-10% band.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
@TERMINAL@
set output '@OUTPUT@'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title '@TITLE@' font ',16'
set grid back lc rgb '#e0e0e0' lw 1
set border 3 lc rgb '#404040'
set tics nomirror out
set key outside below center horizontal maxrows 2 samplen 2 spacing 1.2 width 2
set samples 400
@SETTINGS@
@PLOT@
