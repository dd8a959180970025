#!/bin/sh
# Test utterances for the probes (needs Debian espeak-ng and sox: apt-get install -y espeak-ng sox)
set -e
espeak-ng -v en-us -w q.wav "What is the weather like in Paris today?"
espeak-ng -v en-us -w q2.wav "Please book a table for two at seven tonight."
sox q.wav -r 16000 -c 1 -b 16 q16.wav
sox q.wav -r 8000 -c 1 -b 16 q8.wav
sox q2.wav -r 16000 -c 1 -b 16 q2_16.wav
