#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Placeholder replaced as soon as cnitool and the plugins land.
echo "demo: not yet available in this tree" >&2
exit 1
