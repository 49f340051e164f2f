#!/bin/sh
# Generates configure and Makefile.in from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf --install --force
# The TAP driver ships with automake but is not copied by autoreconf.
mkdir -p build-aux
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
