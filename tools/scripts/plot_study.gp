# Line chart of one sweep metric against one varied parameter, as PNG and SVG.
# `infsim sweep` writes the data and calls this once per (metric, parameter):
#
#   gnuplot -e "datafile='DIR/plots/M-vs-P.dat'; outbase='DIR/plots/M-vs-P'; lines=2; \
#               title='...'; xlabel='...'; ylabel='...'; logx=0; ticlabels=1" tools/scripts/plot_study.gp
#
# The data file holds one block per line (blocks separated by two blank lines); each block starts
# with a header row whose first cell is the line's title, then rows "x <TAB> y <TAB> x label".
# y is NaN where the point has no value (does not fit, failed), which breaks the line there.

set datafile separator "\t"
set title title noenhanced
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set grid
set key below noenhanced
if (lines <= 1) { unset key }
if (logx) { set logscale x 2 }
set offsets graph 0.02, graph 0.02, 0, 0

do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 900,540 noenhanced
  } else {
    set terminal svg size 900,540 dynamic noenhanced
  }
  set output outbase . "." . format
  if (ticlabels) {
    plot for [i=0:lines-1] datafile index i using 1:2:xtic(3) with linespoints pt 7 ps 0.8 lw 2 \
         title columnheader(1)
  } else {
    plot for [i=0:lines-1] datafile index i using 1:2 with linespoints pt 7 ps 0.8 lw 2 \
         title columnheader(1)
  }
  unset output
}
