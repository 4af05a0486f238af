/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netlink.h - the whole typed nl_* layer on libmnl, for plugins and linend.
 */
#pragma once

#include "netlink/nl-addr.h"
#include "netlink/nl-link.h"
#include "netlink/nl-monitor.h"
#include "netlink/nl-neigh.h"
#include "netlink/nl-route.h"
#include "netlink/nl-sock.h"
#include "netlink/nl-tc.h"
