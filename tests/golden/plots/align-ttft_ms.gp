# Alignment of the model with the measurements for one metric: projected
# against measured for every point of the fit, in-sample and held-out marked
# apart, the priors' projection in grey, the y = x line and a +-10% band.
# servecal plot fills the @NAME@ fields; render with: gnuplot THIS_FILE.gp
set terminal pngcairo size 1400,900 font 'DejaVu Sans,14' noenhanced
set output 'align-ttft_ms.png'
set encoding utf8
set datafile separator whitespace
set datafile missing NaN
set title 'TTFT mean (ms): projected vs measured (MAPE in-sample 3.4%, held-out 10.7%, priors 48.0%)' font ',16'
set grid back lc rgb '#e0e0e0' lw 1
set border 3 lc rgb '#404040'
set tics nomirror out
set key outside below center horizontal maxrows 2 samplen 2 spacing 1.2 width 2
set samples 400
set logscale xy
set mxtics default
set xtics (100, 200, 300, 500, 1000, 2000)
set mytics default
set ytics (100, 200, 300, 500, 1000, 2000)
set xrange [85.7143:2030]
set yrange [85.7143:2030]
set xlabel 'measured TTFT mean (ms)'
set ylabel 'projected TTFT mean (ms)'

plot '+' using 1:($1*0.9):($1*1.1) with filledcurves fc rgb '#a1d99b' fs transparent solid 0.35 noborder title 'within ±10%', \
     x with lines lw 1.5 dt 2 lc rgb '#404040' title 'y = x', \
     'align-ttft_ms.dat' index 2 using 1:2 with points pt 2 ps 1.6 lw 2 lc rgb '#9a9a9a' title 'priors (before calibration)', \
     'align-ttft_ms.dat' index 0 using 1:2 with points pt 7 ps 1.8 lc rgb '#1f77b4' title 'calibrated, in-sample', \
     'align-ttft_ms.dat' index 1 using 1:2 with points pt 9 ps 2.3 lc rgb '#d62728' title 'calibrated, held-out'

