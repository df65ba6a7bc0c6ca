# Simulated against measured for one metric, with the y = x line (every point on it is a row the
# simulator gets right) and the 2x band, as PNG and SVG. `infsim validate --plot PREFIX` writes
# the data and calls this once per metric:
#
#   gnuplot -e "datafile='P-throughput_avg.dat'; outbase='P-throughput_avg'; lo=80; hi=3000; \
#               title='...'; label='throughput_avg (1/s)'; failed=1" tools/scripts/plot_validate.gp
#
# The data file holds two blocks (separated by two blank lines): the rows that ran, "measured
# <TAB> simulated <TAB> name", and the rows that did not, "measured <TAB> lo <TAB> name", drawn as
# red crosses on the bottom axis (present only when failed=1). Both axes are the metric, log-log
# from lo to hi, so a ratio (the error) is the same distance everywhere.

set datafile separator "\t"
set title title noenhanced
set xlabel "measured " . label noenhanced
set ylabel "simulated " . label noenhanced
set grid
set size square
set key below noenhanced
set logscale xy
set xrange [lo:hi]
set yrange [lo:hi]

do for [format in "png svg"] {
  if (format eq "png") {
    set terminal pngcairo size 800,760 noenhanced
  } else {
    set terminal svg size 800,760 dynamic noenhanced
  }
  set output outbase . "." . format
  if (failed) {
    plot x title "simulated = measured" with lines lc rgb "gray" lw 1, \
         x * 2 title "2x off" with lines dt 2 lc rgb "gray", \
         x / 2 notitle with lines dt 2 lc rgb "gray", \
         datafile index 0 using 1:2 with points pt 7 ps 1.2 lc rgb "#1f77b4" title "rows", \
         datafile index 1 using 1:2 with points pt 2 ps 1.8 lw 2 lc rgb "red" \
             title "rows that did not run"
  } else {
    plot x title "simulated = measured" with lines lc rgb "gray" lw 1, \
         x * 2 title "2x off" with lines dt 2 lc rgb "gray", \
         x / 2 notitle with lines dt 2 lc rgb "gray", \
         datafile index 0 using 1:2 with points pt 7 ps 1.2 lc rgb "#1f77b4" title "rows"
  }
  unset output
}
