// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite packets in and out.
 *
 * Out: the requester and responder start a packet for an address vector
 * (rxe_lite_pkt_init()), fill in headers and payload and send it
 * (rxe_lite_send()). A destination GID that belongs to one of our devices
 * is delivered directly to that device's receive path (loopback): no skb,
 * no IP/UDP headers, no ICRC, and the payload passed by reference to the
 * sender's memory so the receiver copies it once, with the same transport
 * semantics. Anything else goes on the wire as RoCEv2: an skb, UDP to
 * port 4791 over IPv4 or IPv6, routed and neighbour-resolved by the
 * kernel, with the ICRC of the RoCEv2 annex (CRC32 over the masked
 * IP/UDP/BTH headers, the rest of the headers and the payload).
 *
 * In: the UDP tunnel socket's encap_rcv (softirq) checks the ICRC, finds
 * the device owning the destination address and calls rxe_lite_rcv(),
 * which parses the headers and hands the packet to the responder (requests)
 * or the completer (ACKs and responses) of the destination QP.
 *
 * Devices are on rxe_lite_devs (RCU) from after their registration until
 * before their unregistration; a packet holds a registration reference
 * (lite_device_try_get()) and a QP reference while it is processed.
 */
#include <linux/crc32.h>
#include <linux/if_ether.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "rxe_lite.h"

/*
 * Debug knobs for tests: loopback=0 sends packets between local devices
 * through the IP stack (so they take the wire path: UDP, ICRC, encap_rcv);
 * drop_ppm drops that many of every million packets sent, at random.
 */
static bool loopback = true;
module_param(loopback, bool, 0644);
MODULE_PARM_DESC(loopback, "deliver packets to local devices directly (default 1)");
static uint drop_ppm;
module_param(drop_ppm, uint, 0644);
MODULE_PARM_DESC(drop_ppm, "drop this many per million packets sent (tests)");

static LIST_HEAD(rxe_lite_devs);
static DEFINE_SPINLOCK(rxe_lite_devs_lock);
static struct socket *rxe_lite_sock4;
static struct socket *rxe_lite_sock6;

void rxe_lite_dev_list_add(struct rxe_lite_dev *rxe)
{
	spin_lock(&rxe_lite_devs_lock);
	list_add_tail_rcu(&rxe->list, &rxe_lite_devs);
	spin_unlock(&rxe_lite_devs_lock);
}

void rxe_lite_dev_list_del(struct rxe_lite_dev *rxe)
{
	spin_lock(&rxe_lite_devs_lock);
	list_del_rcu(&rxe->list);
	spin_unlock(&rxe_lite_devs_lock);
	synchronize_rcu();
}

static bool rxe_lite_gid_is_v4(const union lite_gid *gid)
{
	return ipv6_addr_v4mapped((const struct in6_addr *)gid->raw);
}

static __be32 rxe_lite_gid_v4(const union lite_gid *gid)
{
	return *(const __be32 *)&gid->raw[12];
}

static void rxe_lite_v4_gid(union lite_gid *gid, __be32 addr)
{
	ipv6_addr_set_v4mapped(addr, (struct in6_addr *)gid->raw);
}

/*
 * Our device that owns @gid (an IPv4 address of its netdev, or its
 * default link-local GID), with a registration reference, or NULL.
 */
static struct rxe_lite_dev *rxe_lite_dev_by_gid(const union lite_gid *gid)
{
	struct net_device *ndev = NULL;
	struct rxe_lite_dev *rxe, *found = NULL;

	rcu_read_lock();
	if (rxe_lite_gid_is_v4(gid))
		ndev = __ip_dev_find(&init_net, rxe_lite_gid_v4(gid), false);
	list_for_each_entry_rcu(rxe, &rxe_lite_devs, list) {
		bool match = ndev ? rxe->ndev == ndev :
			(gid->global.subnet_prefix ==
				cpu_to_be64(0xfe80000000000000ULL) &&
			 gid->global.interface_id == rxe->ibdev.node_guid) ||
			ipv6_chk_addr(dev_net(rxe->ndev),
				      (const struct in6_addr *)gid->raw,
				      rxe->ndev, 0);

		if (match && lite_device_try_get(&rxe->ibdev)) {
			found = rxe;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* Our device bound to @ndev, with a registration reference, or NULL. */
static struct rxe_lite_dev *rxe_lite_dev_by_ndev(struct net_device *ndev)
{
	struct rxe_lite_dev *rxe, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(rxe, &rxe_lite_devs, list) {
		if (rxe->ndev == ndev && lite_device_try_get(&rxe->ibdev)) {
			found = rxe;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * Start a packet of @rqp for @opcode with @paylen payload bytes to @av's
 * destination: for a device of this host (loopback), headers in
 * pkt->hbuf and the payload left to the caller to name in pkt->data;
 * otherwise an skb with headroom for the link, IP and UDP headers, then
 * the IB headers, payload (at pkt->data.buf), pad and ICRC. Headers are
 * zeroed but for the BTH, which is filled in. @req is the packet this one
 * answers, if any. 0 or -ENOMEM; once started, a packet is sent or
 * released.
 */
int rxe_lite_pkt_init(struct rxe_lite_qp *rqp, const struct lite_ah_attr *av,
		      u8 opcode, u32 paylen, u32 dqpn, u32 psn, u32 bth_flags,
		      const struct rxe_lite_pkt *req, struct rxe_lite_pkt *pkt)
{
	const struct rxe_lite_opinfo *info = &rxe_lite_opinfo[opcode];
	unsigned int pad = (4 - (paylen & 3)) & 3;
	unsigned int head = LL_MAX_HEADER + sizeof(struct iphdr) +
			    sizeof(struct udphdr);
	struct rxe_lite_bth *bth;
	struct sk_buff *skb;

	pkt->to = NULL;
	pkt->rxe = NULL;
	if (READ_ONCE(loopback)) {
		/*
		 * A reply to where a loopback request came from goes straight
		 * back to that QP, without looking up device and QP again.
		 */
		if (req && req->from && req->from->qp.qp_num == dqpn &&
		    !memcmp(&av->dgid, &req->sgid, sizeof(av->dgid)) &&
		    refcount_inc_not_zero(&req->from->ref)) {
			pkt->to = req->from;
			pkt->rxe = pkt->to->rxe;
			if (!lite_device_try_get(&pkt->rxe->ibdev)) {
				rxe_lite_qp_put(pkt->to);
				pkt->to = NULL;
				pkt->rxe = NULL;
			}
		}
		if (!pkt->rxe)
			pkt->rxe = rxe_lite_dev_by_gid(&av->dgid);
	}
	pkt->from = NULL;
	pkt->skb = NULL;
	pkt->data = (struct rxe_lite_data){};
	pkt->bounce = NULL;
	if (pkt->rxe) {
		pkt->hdr = pkt->hbuf;
		memset(pkt->hdr, 0, info->hdr_len);
	} else {
		skb = alloc_skb(head + info->hdr_len + paylen + pad +
				RXE_LITE_ICRC_LEN, GFP_ATOMIC);
		if (!skb)
			return -ENOMEM;
		skb_reserve(skb, head);
		pkt->skb = skb;
		pkt->hdr = skb_put_zero(skb, info->hdr_len);
		pkt->data.buf = skb_put(skb, paylen);
		skb_put_zero(skb, pad + RXE_LITE_ICRC_LEN);
	}
	pkt->paylen = paylen;
	pkt->opcode = opcode;
	pkt->mask = info->mask;
	pkt->psn = psn & RXE_LITE_PSN_MASK;
	pkt->ackreq = !!(bth_flags & RXE_LITE_BTH_ACKREQ);
	pkt->se = !!(bth_flags & RXE_LITE_BTH_SE);

	bth = (struct rxe_lite_bth *)pkt->hdr;
	bth->opcode = opcode;
	bth->flags = (bth_flags & RXE_LITE_BTH_SE) |
		     (pad << RXE_LITE_BTH_PAD_SHIFT);
	bth->pkey = cpu_to_be16(RXE_LITE_DEFAULT_PKEY);
	bth->qpn = cpu_to_be32(dqpn & RXE_LITE_QPN_MASK);
	bth->apsn = cpu_to_be32((bth_flags & RXE_LITE_BTH_ACKREQ) |
				pkt->psn);
	return 0;
}

/* Drop what a started packet holds (what was not sent). */
void rxe_lite_pkt_release(struct rxe_lite_pkt *pkt)
{
	if (pkt->data.mr)
		rxe_lite_mr_put(pkt->data.mr);
	kfree(pkt->bounce);
	kfree_skb(pkt->skb);
	if (pkt->skb)
		return;
	if (pkt->to)
		rxe_lite_qp_put(pkt->to);
	lite_device_put(&pkt->rxe->ibdev);
}

void *rxe_lite_pkt_hdr(const struct rxe_lite_pkt *pkt, u32 which)
{
	return pkt->hdr + rxe_lite_hdr_offset(pkt->opcode, which);
}

/* CRC32 over the masked IPv4 + UDP + BTH headers, then the rest. */
static u32 rxe_lite_icrc4(const struct iphdr *iph, const u8 *bth_start,
			  unsigned int len)
{
	u8 ph[sizeof(struct iphdr) + sizeof(struct udphdr) +
	      sizeof(struct rxe_lite_bth)];
	struct iphdr *ip = (struct iphdr *)ph;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	struct rxe_lite_bth *bth = (struct rxe_lite_bth *)(udp + 1);
	/* CRC32 of 8 bytes of 0xff (the masked LRH of IB) from ~0. */
	u32 crc = 0xdebb20e3;

	/* The UDP header follows the 20-byte IPv4 header (checked). */
	memcpy(ph, iph, sizeof(*ip) + sizeof(*udp));
	memcpy(bth, bth_start, sizeof(*bth));
	ip->tos = 0xff;
	ip->ttl = 0xff;
	ip->check = CSUM_MANGLED_0;
	udp->check = CSUM_MANGLED_0;
	bth->qpn |= cpu_to_be32(~RXE_LITE_QPN_MASK);
	crc = crc32_le(crc, ph, sizeof(ph));
	crc = crc32_le(crc, bth_start + sizeof(*bth), len - sizeof(*bth));
	return ~crc;
}

/* The same over the masked IPv6 header (traffic class, flow label, hops). */
static u32 rxe_lite_icrc6(const struct ipv6hdr *ip6h, const u8 *bth_start,
			  unsigned int len)
{
	u8 ph[sizeof(struct ipv6hdr) + sizeof(struct udphdr) +
	      sizeof(struct rxe_lite_bth)];
	struct ipv6hdr *ip = (struct ipv6hdr *)ph;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	struct rxe_lite_bth *bth = (struct rxe_lite_bth *)(udp + 1);
	u32 crc = 0xdebb20e3;

	memcpy(ph, ip6h, sizeof(*ip) + sizeof(*udp));
	memcpy(bth, bth_start, sizeof(*bth));
	ip->priority = 0xf;
	memset(ip->flow_lbl, 0xff, sizeof(ip->flow_lbl));
	ip->hop_limit = 0xff;
	udp->check = CSUM_MANGLED_0;
	bth->qpn |= cpu_to_be32(~RXE_LITE_QPN_MASK);
	crc = crc32_le(crc, ph, sizeof(ph));
	crc = crc32_le(crc, bth_start + sizeof(*bth), len - sizeof(*bth));
	return ~crc;
}

/* Push the UDP header of a RoCEv2 packet (checksum 0, as RoCEv2 sends). */
static struct udphdr *rxe_lite_push_udp(struct sk_buff *skb, u32 src_qpn)
{
	struct udphdr *uh = skb_push(skb, sizeof(*uh));

	skb_reset_transport_header(skb);
	/* Entropy for ECMP, constant per QP: keeps its packets in order. */
	uh->source = htons(0xc000 | hash_32(src_qpn, 14));
	uh->dest = htons(RXE_LITE_UDP_PORT);
	uh->len = htons(skb->len);
	uh->check = 0;
	return uh;
}

/*
 * The QP's cached route if it is for @av's addresses and still valid,
 * with a reference; NULL otherwise (a stale one is dropped).
 */
static struct dst_entry *rxe_lite_route_get(struct rxe_lite_qp *rqp,
					    const struct lite_ah_attr *av)
{
	struct dst_entry *dst = NULL;

	spin_lock_bh(&rqp->route_lock);
	if (rqp->route &&
	    !memcmp(&rqp->route_dgid, &av->dgid, sizeof(av->dgid)) &&
	    !memcmp(&rqp->route_sgid, &av->sgid, sizeof(av->sgid))) {
		dst = dst_check(rqp->route, rqp->route_cookie);
		if (dst) {
			dst_hold(dst);
		} else {
			dst_release(rqp->route);
			rqp->route = NULL;
		}
	}
	spin_unlock_bh(&rqp->route_lock);
	return dst;
}

/* Remember @dst as the route to @av's addresses. */
static void rxe_lite_route_set(struct rxe_lite_qp *rqp,
			       const struct lite_ah_attr *av,
			       struct dst_entry *dst, u32 cookie)
{
	struct dst_entry *old;

	dst_hold(dst);
	spin_lock_bh(&rqp->route_lock);
	old = rqp->route;
	rqp->route = dst;
	rqp->route_sgid = av->sgid;
	rqp->route_dgid = av->dgid;
	rqp->route_cookie = cookie;
	spin_unlock_bh(&rqp->route_lock);
	dst_release(old);
}

/* The QP is destroyed: no more packets, no route. */
void rxe_lite_route_drop(struct rxe_lite_qp *rqp)
{
	dst_release(rqp->route);
	rqp->route = NULL;
}

static void rxe_lite_xmit_v6(struct rxe_lite_qp *rqp,
			     const struct lite_ah_attr *av,
			     struct sk_buff *skb)
{
	struct net *net = dev_net(rqp->rxe->ndev);
	unsigned int len = skb->len;
	struct flowi6 fl = {
		.daddr = *(const struct in6_addr *)av->dgid.raw,
		.saddr = *(const struct in6_addr *)av->sgid.raw,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	u32 icrc;

	dst = rxe_lite_route_get(rqp, av);
	if (!dst) {
		/* Link-local addresses only mean something on their link. */
		if (ipv6_addr_type(&fl.daddr) & IPV6_ADDR_LINKLOCAL)
			fl.flowi6_oif = rqp->rxe->ndev->ifindex;
		dst = ip6_route_output(net, NULL, &fl);
		if (dst->error) {
			dst_release(dst);
			kfree_skb(skb);
			return;
		}
		rxe_lite_route_set(rqp, av, dst,
				   rt6_get_cookie((struct rt6_info *)dst));
	}
	skb_dst_set(skb, dst);

	uh = rxe_lite_push_udp(skb, rqp->qp.qp_num);
	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, av->traffic_class, htonl(av->flow_label));
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = av->hop_limit > 1 ? av->hop_limit : 64;
	ip6h->saddr = fl.saddr;
	ip6h->daddr = fl.daddr;
	skb->protocol = htons(ETH_P_IPV6);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));

	icrc = rxe_lite_icrc6(ip6h, (u8 *)(uh + 1), len - RXE_LITE_ICRC_LEN);
	memcpy(skb_tail_pointer(skb) - RXE_LITE_ICRC_LEN, &icrc, sizeof(icrc));
	ip6_local_out(net, NULL, skb);
}

static void rxe_lite_xmit_v4(struct rxe_lite_qp *rqp,
			     const struct lite_ah_attr *av,
			     struct sk_buff *skb)
{
	struct net *net = dev_net(rqp->rxe->ndev);
	unsigned int len = skb->len;
	/* The source address picks the path; a local one goes through lo. */
	struct flowi4 fl = {
		.daddr = rxe_lite_gid_v4(&av->dgid),
		.saddr = rxe_lite_gid_v4(&av->sgid),
		.flowi4_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst;
	struct udphdr *uh;
	struct iphdr *iph;
	struct rtable *rt;
	u32 icrc;

	dst = rxe_lite_route_get(rqp, av);
	if (!dst) {
		rt = ip_route_output_key(net, &fl);
		if (IS_ERR(rt)) {
			kfree_skb(skb);
			return;
		}
		dst = &rt->dst;
		rxe_lite_route_set(rqp, av, dst, 0);
	}
	skb_dst_set(skb, dst);

	uh = rxe_lite_push_udp(skb, rqp->qp.qp_num);

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = av->traffic_class;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = av->hop_limit > 1 ? av->hop_limit : 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = fl.saddr;
	iph->daddr = fl.daddr;
	__ip_select_ident(net, iph, 1);
	ip_send_check(iph);
	skb->protocol = htons(ETH_P_IP);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));

	icrc = rxe_lite_icrc4(iph, (u8 *)(uh + 1), len - RXE_LITE_ICRC_LEN);
	memcpy(skb_tail_pointer(skb) - RXE_LITE_ICRC_LEN, &icrc, sizeof(icrc));
	ip_local_out(net, NULL, skb);
}

/* Hand a packet to the QP it is for, on @rxe. */
static void rxe_lite_deliver(struct rxe_lite_dev *rxe,
			     struct rxe_lite_pkt *pkt)
{
	const struct rxe_lite_bth *bth = (const struct rxe_lite_bth *)pkt->hdr;
	struct rxe_lite_qp *rqp = pkt->to;

	if (!rqp)
		rqp = rxe_lite_qp_get(rxe, be32_to_cpu(bth->qpn) &
					   RXE_LITE_QPN_MASK);
	if (!rqp) {
		rxe_lite_count(RXE_LITE_CNT_NO_QP);
		return;
	}
	rxe_lite_count(RXE_LITE_CNT_RCVD);
	if (pkt->mask & RXE_LITE_M_REQ)
		rxe_lite_resp_rcv(rqp, pkt);
	else
		rxe_lite_comp_rcv(rqp, pkt);
	if (!pkt->to)
		rxe_lite_qp_put(rqp);
}

/*
 * Send a started packet of @rqp to @av's destination; this ends it.
 * Called with no QP lock held: a loopback delivery runs the peer's
 * receive path (and possibly our own completer) before it returns.
 */
void rxe_lite_send(struct rxe_lite_qp *rqp, const struct lite_ah_attr *av,
		   struct rxe_lite_pkt *pkt)
{
	struct sk_buff *skb = pkt->skb;

	if (unlikely(drop_ppm) && get_random_u32_below(1000000) < drop_ppm) {
		rxe_lite_count(RXE_LITE_CNT_DROPPED);
		rxe_lite_pkt_release(pkt);
		return;
	}
	rxe_lite_count(RXE_LITE_CNT_SENT);
	if (!skb) {
		pkt->sgid = av->sgid;
		pkt->dgid = av->dgid;
		pkt->from = rqp;
		rxe_lite_deliver(pkt->rxe, pkt);
		rxe_lite_pkt_release(pkt);
		return;
	}
	if (rxe_lite_gid_is_v4(&av->dgid) != rxe_lite_gid_is_v4(&av->sgid))
		kfree_skb(skb);		/* no route from v4 to v6 */
	else if (rxe_lite_gid_is_v4(&av->dgid))
		rxe_lite_xmit_v4(rqp, av, skb);
	else
		rxe_lite_xmit_v6(rqp, av, skb);
}

/*
 * A packet from the wire for @rxe (skb->data at the BTH, ICRC at the
 * end): parse it and hand it to the destination QP. Consumes @skb.
 */
static void rxe_lite_rcv(struct rxe_lite_dev *rxe, struct sk_buff *skb,
			 const union lite_gid *sgid,
			 const union lite_gid *dgid)
{
	const struct rxe_lite_opinfo *info;
	const struct rxe_lite_bth *bth;
	struct rxe_lite_pkt pkt = {};
	unsigned int pad;
	int paylen;

	if (skb_linearize(skb) || skb->len < sizeof(*bth) + RXE_LITE_ICRC_LEN)
		goto drop;
	bth = (const struct rxe_lite_bth *)skb->data;
	if (bth->opcode >= RXE_LITE_OP_NUM)
		goto drop;
	info = &rxe_lite_opinfo[bth->opcode];
	pad = (bth->flags & RXE_LITE_BTH_PAD_MASK) >> RXE_LITE_BTH_PAD_SHIFT;
	paylen = (int)skb->len - info->hdr_len - pad - RXE_LITE_ICRC_LEN;
	if (!(info->mask & RXE_LITE_M_VALID) || paylen < 0 ||
	    (paylen && !(info->mask & RXE_LITE_M_PAYLOAD)))
		goto drop;

	pkt.rxe = rxe;
	pkt.hdr = skb->data;
	pkt.data.buf = skb->data + info->hdr_len;
	pkt.paylen = paylen;
	pkt.opcode = bth->opcode;
	pkt.mask = info->mask;
	pkt.psn = be32_to_cpu(bth->apsn) & RXE_LITE_PSN_MASK;
	pkt.ackreq = !!(be32_to_cpu(bth->apsn) & RXE_LITE_BTH_ACKREQ);
	pkt.se = !!(bth->flags & RXE_LITE_BTH_SE);
	pkt.sgid = *sgid;
	pkt.dgid = *dgid;
	rxe_lite_deliver(rxe, &pkt);
drop:
	kfree_skb(skb);
}

/*
 * The addresses of a received RoCEv2 packet and its ICRC check. skb->data
 * is at the UDP header, right after the IP header (no IPv4 options, no
 * IPv6 extension headers: the ICRC is defined over that layout).
 */
static bool rxe_lite_rcv_addrs(struct sk_buff *skb, union lite_gid *sgid,
			       union lite_gid *dgid)
{
	unsigned int len = skb->len - sizeof(struct udphdr);
	const u8 *bth = skb->data + sizeof(struct udphdr);
	u32 icrc;

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (iph->version != 4 || iph->ihl != sizeof(*iph) >> 2)
			return false;
		rxe_lite_v4_gid(sgid, iph->saddr);
		rxe_lite_v4_gid(dgid, iph->daddr);
		icrc = rxe_lite_icrc4(iph, bth, len - RXE_LITE_ICRC_LEN);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		if (ip6h->nexthdr != IPPROTO_UDP ||
		    skb_transport_offset(skb) - skb_network_offset(skb) !=
		    sizeof(*ip6h))
			return false;
		memcpy(sgid->raw, &ip6h->saddr, sizeof(sgid->raw));
		memcpy(dgid->raw, &ip6h->daddr, sizeof(dgid->raw));
		icrc = rxe_lite_icrc6(ip6h, bth, len - RXE_LITE_ICRC_LEN);
	} else {
		return false;
	}
	if (memcmp(&icrc, skb_tail_pointer(skb) - RXE_LITE_ICRC_LEN,
		   sizeof(icrc))) {
		rxe_lite_count(RXE_LITE_CNT_BAD_ICRC);
		return false;
	}
	return true;
}

/* UDP port 4791 (IPv4 and IPv6), softirq. Always consumes the packet. */
static int rxe_lite_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	union lite_gid sgid, dgid;
	struct rxe_lite_dev *rxe;

	if (skb_linearize(skb) ||
	    skb->len < sizeof(struct udphdr) + sizeof(struct rxe_lite_bth) +
		       RXE_LITE_ICRC_LEN ||
	    !rxe_lite_rcv_addrs(skb, &sgid, &dgid))
		goto drop;
	rxe = rxe_lite_dev_by_ndev(skb->dev);
	if (!rxe)
		rxe = rxe_lite_dev_by_gid(&dgid);
	if (!rxe)
		goto drop;
	skb_pull(skb, sizeof(struct udphdr));
	rxe_lite_rcv(rxe, skb, &sgid, &dgid);
	lite_device_put(&rxe->ibdev);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

static void rxe_lite_sock_setup(struct socket *sock)
{
	struct udp_tunnel_sock_cfg cfg = {
		.encap_type = 1,
		.encap_rcv = rxe_lite_udp_rcv,
	};

	setup_udp_tunnel_sock(&init_net, sock, &cfg);
}

/*
 * The IPv6 socket comes from ip6_udp_tunnel, which is taken at run time
 * (symbol_request loads it): without it, only IPv4 is on the wire, and a
 * plain insmod of this module needs nothing but udp_tunnel.
 */
static int rxe_lite_sock6_create(void)
{
	int (*create6)(struct net *net, struct udp_port_cfg *cfg,
		       struct socket **sockp);
	struct udp_port_cfg port = {
		.family = AF_INET6,
		.local_udp_port = htons(RXE_LITE_UDP_PORT),
		.ipv6_v6only = 1,
		/* RoCEv2 sends UDP checksum 0: accept that over IPv6 too. */
		.use_udp6_rx_checksums = 0,
	};
	int ret;

	create6 = symbol_request(udp_sock_create6);
	if (!create6) {
		pr_info("rxe_lite: no ip6_udp_tunnel: RoCEv2 over IPv4 only\n");
		return 0;
	}
	ret = create6(&init_net, &port, &rxe_lite_sock6);
	if (ret) {
		symbol_put(udp_sock_create6);
		return ret;
	}
	rxe_lite_sock_setup(rxe_lite_sock6);
	return 0;
}

int rxe_lite_net_init(void)
{
	struct udp_port_cfg port = {
		.family = AF_INET,
		.local_udp_port = htons(RXE_LITE_UDP_PORT),
	};
	int ret;

	ret = udp_sock_create4(&init_net, &port, &rxe_lite_sock4);
	if (ret)
		goto err;
	rxe_lite_sock_setup(rxe_lite_sock4);
	ret = rxe_lite_sock6_create();
	if (ret) {
		udp_tunnel_sock_release(rxe_lite_sock4);
		goto err;
	}
	return 0;
err:
	pr_err("rxe_lite: cannot bind UDP port %d: %d\n", RXE_LITE_UDP_PORT,
	       ret);
	return ret;
}

void rxe_lite_net_exit(void)
{
	if (rxe_lite_sock6) {
		udp_tunnel_sock_release(rxe_lite_sock6);
		symbol_put(udp_sock_create6);
	}
	udp_tunnel_sock_release(rxe_lite_sock4);
}
