# Simulated against measured, log-log, one series per metric, and the y = x line: every point on
# the line is a row the simulator gets right. `infsim validate --plot FILE.png` writes the data
# and calls
#
#   gnuplot -e "datafile='F.png.dat'; output='F.png'; blocks=3; lo=0.01; hi=1e6; title='...'" tools/scripts/plot_validate.gp
#
# The data file holds one block per metric (separated by two blank lines), each a title row and
# then rows "measured <TAB> simulated"; lo and hi bound both axes.

set datafile separator "\t"
set terminal pngcairo size 800,760 noenhanced
set output output
set title title noenhanced
set xlabel "measured"
set ylabel "simulated"
set logscale xy
set grid
set size square
set key below noenhanced
set xrange [lo:hi]
set yrange [lo:hi]
plot x title "y = x" with lines lc rgb "gray" lw 1, \
     x * 2 title "2x" with lines dt 2 lc rgb "gray", \
     x / 2 notitle with lines dt 2 lc rgb "gray", \
     for [i=0:blocks-1] datafile index i using 1:2 with points pt 7 ps 1.2 title columnheader(1)
