#!/bin/sh
# Entry point of the prometheus stand-in. Debian builds Prometheus to keep its data in
# /var/lib/prometheus/metrics2 unless told otherwise; the official image's binary keeps it in data/ under
# the working directory (/prometheus, the volume). This restores that default, so a compose file that
# leaves --storage.tsdb.path out still stores into its volume.
set -eu
case " $* " in
  *' --storage.tsdb.path'*) ;;
  *) set -- "$@" --storage.tsdb.path=data/ ;;
esac
exec /bin/prometheus "$@"
