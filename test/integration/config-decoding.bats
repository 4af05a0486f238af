#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# One config decoder with Go's encoding/json rules (src/basic/godec.c), checked against the
# reference plugins themselves (/usr/lib/cni, containernetworking-plugins): each of our
# plugins and the reference's get the same config with re-cased keys ("Mtu", "BRIDGE",
# "IPAM") or values of the wrong type, and must agree: both fail or both succeed, and a type
# error has the very same message text. The code differs by design: a bad config is code 7
# (the spec's "invalid network config") with us, 999 with the reference, whose skel wraps
# every plain Go error as 999; the tests assert exactly that pair.
#
# The ADDs run inside a "host" namespace made here against a "pod" namespace made here;
# IPAM stores live under $BATS_TEST_TMPDIR. teardown removes both namespaces (and with them
# every link and address) whatever happened.

load helpers

REFDIR=/usr/lib/cni

setup() {
	require_root
	command -v jq >/dev/null || skip "jq missing"
	[ -x "$REFDIR/bridge" ] || skip "reference plugins not installed in $REFDIR"
	BIN=$(linen_cni_bin)
	T=$BATS_TEST_TMPDIR
	H=$(netns_new cdhost)
	P=$(netns_new cdpod)
}

teardown() {
	linen_teardown
}

# plug <ours|ref> <plugin> <command> <config>: run one plugin inside the host namespace.
plug() {
	local dir=$BIN
	[ "$1" = ref ] && dir=$REFDIR
	ip netns exec "$H" env -i PATH="$PATH" CNI_COMMAND="$3" CNI_CONTAINERID=cd-ctr \
		CNI_NETNS="/run/netns/$P" CNI_IFNAME=eth0 CNI_PATH="$dir" "$dir/$2" <<<"$4"
}

conf() { # conf <type> <extra top-level keys>
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"cdnet\",\"type\":\"$1\",$2}"
}

PREV='"prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.99.0.2/24"}]}'

# same_type_error <plugin> <extra keys> <expected message>: ours and the reference fail
# with this exact message; ours with code 7, the reference with 999.
same_type_error() {
	local cfg
	cfg=$(conf "$1" "$2")
	run plug ref "$1" ADD "$cfg"
	[ "$status" -ne 0 ]
	[ "$(jq -r .code <<<"$output")" = 999 ]
	[ "$(jq -r .msg <<<"$output")" = "$3" ]
	run plug ours "$1" ADD "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = "$3" ]
}

nothing_left() {
	run ip -n "$H" -o link show
	[ "$status" -eq 0 ]
	[ "$(grep -vc ': lo:' <<<"$output")" -eq 0 ]
	run ip -n "$P" -o link show
	[ "$status" -eq 0 ]
	[ "$(grep -vc ': lo:' <<<"$output")" -eq 0 ]
}

@test "bridge: re-cased keys and wrong types fail with the reference's words" {
	same_type_error bridge '"Mtu":"x"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int'
	same_type_error bridge '"IsGateway":1' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.isGateway of type bool'
	same_type_error bridge '"BRIDGE":5' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.bridge of type string'
	same_type_error bridge '"bridge":"b","Bridge":5' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.bridge of type string'
	same_type_error bridge '"mtu":1.5' \
		'failed to load netconf: json: cannot unmarshal number 1.5 into Go struct field NetConf.mtu of type int'
	same_type_error bridge '"IPAM":{"Type":5}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field IPAM.ipam.type of type string'
	same_type_error bridge '"ipam":"host-local"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.ipam of type types.IPAM'
	same_type_error bridge '"dns":{"Nameservers":"x"}' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field DNS.dns.nameservers of type []string'
	same_type_error bridge '"args":{"cni":{"mac":5}}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field BridgeArgs.args.cni.mac of type string'
	same_type_error bridge '"RuntimeConfig":{"MAC":5}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field .runtimeConfig.mac of type string'
	same_type_error bridge '"capabilities":{"mac":1}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.capabilities of type bool'
	nothing_left
}

@test "ptp, tuning, loopback: re-cased keys and wrong types fail with the reference's words" {
	same_type_error ptp '"IPMASQ":5' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.ipMasq of type bool'
	same_type_error ptp '"MTU":"x"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int'
	same_type_error ptp '"Dns":{"Domain":5}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field DNS.dns.domain of type string'
	same_type_error tuning '"Mtu":"x"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field TuningConf.mtu of type int'
	same_type_error tuning '"MTU":1.5' \
		'failed to load netconf: json: cannot unmarshal number 1.5 into Go struct field TuningConf.mtu of type int'
	same_type_error tuning '"SysCtl":{"net.ipv4.conf.eth0.arp_filter":1}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field TuningConf.sysctl of type string'
	same_type_error tuning '"sysctl":"x"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field TuningConf.sysctl of type map[string]string'
	same_type_error tuning '"Promisc":"yes"' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field TuningConf.promisc of type bool'
	same_type_error tuning '"Args":{"CNI":{"Mtu":"x"}}' \
		'failed to load netconf: json: cannot unmarshal string into Go struct field IPAMArgs.args.cni.mtu of type int'
	same_type_error tuning '"runtimeConfig":{"mac":5}' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field .runtimeConfig.mac of type string'
	same_type_error loopback '"IPAM":5' \
		'failed to parse network config: json: cannot unmarshal number into Go struct field NetConf.ipam of type types.IPAM'
	same_type_error loopback '"dns":5' \
		'failed to parse network config: json: cannot unmarshal number into Go struct field NetConf.dns of type types.DNS'
	nothing_left
}

@test "host-local: re-cased keys and wrong types fail with the reference's words" {
	same_type_error host-local '"IPAM":{"Type":"host-local","Subnet":5}' \
		'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.subnet of type string'
	same_type_error host-local '"ipam":{"type":"host-local","ranges":[[{"SUBNET":5}]]}' \
		'json: cannot unmarshal number into Go struct field Range.ipam.ranges.subnet of type string'
	same_type_error host-local '"ipam":{"type":"host-local","Ranges":5}' \
		'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.ranges of type []allocator.RangeSet'
	same_type_error host-local '"ipam":{"type":"host-local","subnet":"10.99.0.0/24","Gateway":5}' \
		'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.gateway of type net.IP'
	same_type_error host-local '"ipam":{"type":"host-local","subnet":"10.99.0.0/24","DataDir":5}' \
		'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.dataDir of type string'
	same_type_error host-local '"ipam":5' \
		'json: cannot unmarshal number into Go struct field Net.ipam of type allocator.IPAMConfig'
	same_type_error host-local '"ipam":{"type":"host-local","routes":[{"dst":5}]}' \
		'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.routes of type string'
	same_type_error host-local '"runtimeConfig":{"IPs":5},"ipam":{"type":"host-local"}' \
		'json: cannot unmarshal number into Go struct field .runtimeConfig.ips of type []*ip.IP'
	same_type_error host-local '"args":{"cni":{"ips":[5]}},"ipam":{"type":"host-local"}' \
		'json: cannot unmarshal number into Go struct field IPAMArgs.args.cni.ips of type *ip.IP'
	# nothing allocated: no store directory was made
	run ls "$T"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "invalid CIDRs and addresses (subnet, range, route dst, gateway): the reference's words, nothing left" {
	local ipam c
	for c in '"subnet":"10.99.0.0/33"' '"subnet":"10.99.0.1"' \
		'"ranges":[[{"subnet":"10.99.0.0/24","rangeStart":"10.99.0.300"}]]' \
		'"subnet":"10.99.0.0/24","routes":[{"dst":"10.98.0.0"}]' \
		'"subnet":"10.99.0.0/24","gateway":"10.99.0.x"' \
		'"ranges":[[{"subnet":"10.99.0.0/24","gateway":"1.2.3"}]]'; do
		ipam="\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$T/ipam\",$c}"
		run plug ref host-local ADD "$(conf host-local "$ipam")"
		[ "$status" -ne 0 ]
		[ "$(jq -r .code <<<"$output")" = 999 ]
		want=$(jq -r .msg <<<"$output")
		[[ "$want" == "invalid CIDR address: "* || "$want" == "invalid IP address: "* ]]
		run plug ours host-local ADD "$(conf host-local "$ipam")"
		[ "$status" -eq 1 ]
		[ "$(jq -r .code <<<"$output")" = 7 ]
		[ "$(jq -r .msg <<<"$output")" = "$want" ]
		# through bridge and ptp, which hand the same config to host-local
		run plug ours bridge ADD "$(conf bridge "\"bridge\":\"cdbr0\",$ipam")"
		[ "$status" -eq 1 ]
		[ "$(jq -r .code <<<"$output")" = 7 ]
		[ "$(jq -r .msg <<<"$output")" = "$want" ]
		run plug ours ptp ADD "$(conf ptp "$ipam")"
		[ "$status" -eq 1 ]
		[ "$(jq -r .code <<<"$output")" = 7 ]
		[ "$(jq -r .msg <<<"$output")" = "$want" ]
		run plug ours bridge DEL "$(conf bridge "\"bridge\":\"cdbr0\",$ipam")"
		[ "$status" -eq 0 ]
	done
	# no address was handed out, no container interface made
	run ls "$T"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ip -n "$P" -o link show
	[ "$status" -eq 0 ]
	[ "$(grep -vc ': lo:' <<<"$output")" -eq 0 ]
	run ip -n "$H" -o link show
	[ "$status" -eq 0 ]
	[ "$(grep -vc -e ': lo:' -e ': cdbr0:' <<<"$output")" -eq 0 ]
}

@test "portmap, bandwidth, firewall: re-cased keys and wrong types fail with the reference's words" {
	same_type_error portmap "$PREV"',"SNAT":"x"' \
		'failed to parse config: failed to parse network configuration: json: cannot unmarshal string into Go struct field PortMapConf.snat of type bool'
	same_type_error portmap "$PREV"',"markMasqBit":1.5' \
		'failed to parse config: failed to parse network configuration: json: cannot unmarshal number 1.5 into Go struct field PortMapConf.markMasqBit of type int'
	same_type_error portmap "$PREV"',"ConditionsV4":"x"' \
		'failed to parse config: failed to parse network configuration: json: cannot unmarshal string into Go struct field PortMapConf.conditionsV4 of type []string'
	same_type_error portmap "$PREV"',"runtimeConfig":{"PortMappings":[{"HostPort":"80"}]}' \
		'failed to parse config: failed to parse network configuration: json: cannot unmarshal string into Go struct field PortMapEntry.runtimeConfig.portMappings.hostPort of type int'
	same_type_error bandwidth "$PREV"',"IngressRate":"x"' \
		'failed to parse network configuration: json: cannot unmarshal string into Go struct field PluginConf.ingressRate of type uint64'
	same_type_error bandwidth "$PREV"',"ingressRate":-1' \
		'failed to parse network configuration: json: cannot unmarshal number -1 into Go struct field PluginConf.ingressRate of type uint64'
	same_type_error bandwidth "$PREV"',"runtimeConfig":{"Bandwidth":{"ingressRate":1.5}}' \
		'failed to parse network configuration: json: cannot unmarshal number 1.5 into Go struct field BandwidthEntry.runtimeConfig.bandwidth.ingressRate of type uint64'
	same_type_error firewall "$PREV"',"Backend":5' \
		'failed to load netconf: json: cannot unmarshal number into Go struct field FirewallNetConf.backend of type string'
	same_type_error firewall "$PREV"',"iptablesAdminChainName":true' \
		'failed to load netconf: json: cannot unmarshal bool into Go struct field FirewallNetConf.iptablesAdminChainName of type string'
	nothing_left
}

@test "skel: a re-cased or mistyped name and cniVersion as the reference's skel reads them" {
	local cfg='{"CNIVersion":"0.3.1","Name":"cdnet","type":"loopback"}'
	run plug ref loopback ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r .cniVersion <<<"$output")" = 0.3.1 ]
	run plug ours loopback ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r .cniVersion <<<"$output")" = 0.3.1 ]
	cfg='{"cniVersion":5,"name":"cdnet","type":"loopback"}'
	run plug ref loopback ADD "$cfg"
	[ "$status" -ne 0 ]
	[ "$(jq -r .code <<<"$output")" = 6 ]
	[ "$(jq -r .msg <<<"$output")" = 'decoding version from network config: json: cannot unmarshal number into Go struct field .cniVersion of type string' ]
	run plug ours loopback ADD "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 6 ]
	[ "$(jq -r .msg <<<"$output")" = 'decoding version from network config: json: cannot unmarshal number into Go struct field .cniVersion of type string' ]
}

# tuning_mtu <ours|ref>: a chained tuning ADD with "Mtu":1400 on the pod's eth0, then DEL.
tuning_mtu() {
	local cfg
	cfg=$(conf tuning "\"Mtu\":1400,\"DataDir\":\"$T/tuning-$1\",\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/$P\"}],\"ips\":[]}")
	run plug "$1" tuning ADD "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$P" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *" mtu 1400 "* ]]
	run plug "$1" tuning DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$P" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *" mtu 1500 "* ]]
}

@test "tuning: \"Mtu\" is honoured by both, and DEL puts the old MTU back" {
	ip -n "$P" link add eth0 type veth peer name eth1
	ip -n "$P" link set eth0 mtu 1500 up
	tuning_mtu ref
	tuning_mtu ours
}

# bridge_gw <ours|ref> <bridge> <subnet prefix>: "IsGateway" and re-cased IPAM keys honoured.
bridge_gw() {
	local cfg
	cfg=$(conf bridge "\"BRIDGE\":\"$2\",\"IsGateway\":true,\"IPAM\":{\"Type\":\"host-local\",\"Ranges\":[[{\"Subnet\":\"$3.0/24\"}]],\"DataDir\":\"$T/ipam-$1\"}")
	run plug "$1" bridge ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = "$3.2/24" ]
	[ "$(jq -r '.ips[0].gateway' <<<"$output")" = "$3.1" ]
	run ip -n "$H" -o addr show dev "$2"
	[ "$status" -eq 0 ]
	[[ "$output" == *" $3.1/24 "* ]]
	run plug "$1" bridge DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$P" -o link show eth0
	[ "$status" -ne 0 ]
	ip -n "$H" link del "$2"
}

@test "bridge: \"BRIDGE\", \"IsGateway\" and a re-cased ipam section are honoured by both" {
	bridge_gw ref cdbr-ref 10.98.1
	bridge_gw ours cdbr-ours 10.98.2
	nothing_left
}

# ptp_mtu <ours|ref> <subnet prefix>: "MTU" and "IPAM" honoured.
ptp_mtu() {
	local cfg
	cfg=$(conf ptp "\"MTU\":1300,\"IPAM\":{\"type\":\"host-local\",\"subnet\":\"$2.0/24\",\"dataDir\":\"$T/ipam-$1\"}")
	run plug "$1" ptp ADD "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.ips[0].address' <<<"$output")" = "$2.2/24" ]
	run ip -n "$P" -o link show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *" mtu 1300 "* ]]
	run plug "$1" ptp DEL "$cfg"
	[ "$status" -eq 0 ]
	run ip -n "$P" -o link show eth0
	[ "$status" -ne 0 ]
}

@test "ptp: \"MTU\" and \"IPAM\" are honoured by both" {
	ptp_mtu ref 10.97.1
	ptp_mtu ours 10.97.2
	nothing_left
}

@test "host-local: a fully re-cased ipam section allocates the same address in both" {
	local cfg
	for who in ref ours; do
		cfg=$(conf host-local "\"IPAM\":{\"TYPE\":\"host-local\",\"RANGES\":[[{\"SUBNET\":\"10.96.0.0/24\",\"RangeStart\":\"10.96.0.9\"}]],\"DATADIR\":\"$T/ipam-$who\"}")
		run plug "$who" host-local ADD "$cfg"
		[ "$status" -eq 0 ]
		[ "$(jq -r '.ips[0].address' <<<"$output")" = 10.96.0.9/24 ]
		run cat "$T/ipam-$who/cdnet/10.96.0.9"
		[ "$status" -eq 0 ]
		run plug "$who" host-local DEL "$cfg"
		[ "$status" -eq 0 ]
		run test -e "$T/ipam-$who/cdnet/10.96.0.9"
		[ "$status" -ne 0 ]
	done
}

@test "flannel (no reference binary here): Go's type error for its NetConf, keys re-cased" {
	local cfg
	cfg=$(conf flannel '"SubnetFile":5')
	run plug ours flannel ADD "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .code <<<"$output")" = 7 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.subnetFile of type string' ]
	cfg=$(conf flannel '"Delegate":"bridge"')
	run plug ours flannel ADD "$cfg"
	[ "$status" -eq 1 ]
	[ "$(jq -r .msg <<<"$output")" = 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.delegate of type map[string]interface {}' ]
	# a re-cased subnetFile is read: the error names the file we pointed at
	cfg=$(conf flannel "\"SUBNETFILE\":\"$T/nope.env\"")
	run plug ours flannel ADD "$cfg"
	[ "$status" -eq 1 ]
	[[ "$(jq -r .msg <<<"$output")" == *"$T/nope.env"* ]]
}
