// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite RDMA netlink: this module serves NETLINK_RDMA itself, so the
 * kernel never autoloads ib_core for it ("net-pf-16-proto-20"), and answers
 * the NLDEV commands that libibverbs and iproute2's rdma tool use:
 *
 *   GET (doit/dump)       device index, name, node type/GUID, port count
 *   PORT_GET (doit/dump)  port state and netdev
 *   SYS_GET               netns mode, copy-on-fork
 *   GET_CHARDEV           a client's char device ("uverbs"), with driver id
 *   NEWLINK / DELLINK     soft devices (lite_link.c), CAP_NET_ADMIN only
 *
 * Anything else is answered with an error, never silence: a netlink
 * request without a reply would block libibverbs in nl_recvmsgs().
 *
 * The socket lives in init_net only. Every handler looks devices up with a
 * registration reference (lite_device_get_by_*) or walks them under
 * device_rwsem, so it never sees a half-registered device.
 */
#include <linux/types.h>
#include <linux/kdev_t.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/rdma/rdma_netlink.h>

#include "lite_core_priv.h"

/* As Linux sizes it (include/rdma/rdma_netlink.h, not uapi). */
#define LITE_NL_CHARDEV_TYPE_SIZE	32

static struct sock *lite_nl_sock;

static const struct nla_policy lite_nldev_policy[RDMA_NLDEV_ATTR_MAX] = {
	[RDMA_NLDEV_ATTR_DEV_INDEX]	= { .type = NLA_U32 },
	[RDMA_NLDEV_ATTR_DEV_NAME]	= { .type = NLA_NUL_STRING,
					    .len = LITE_DEVICE_NAME_MAX },
	[RDMA_NLDEV_ATTR_PORT_INDEX]	= { .type = NLA_U32 },
	[RDMA_NLDEV_ATTR_CHARDEV_TYPE]	= { .type = NLA_NUL_STRING,
				.len = LITE_NL_CHARDEV_TYPE_SIZE },
	[RDMA_NLDEV_ATTR_LINK_TYPE]	= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ },
	[RDMA_NLDEV_ATTR_NDEV_NAME]	= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ },
};

static int lite_nl_parse(const struct nlmsghdr *nlh, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	return nlmsg_parse_deprecated(nlh, 0, tb, RDMA_NLDEV_ATTR_MAX - 1,
				      lite_nldev_policy, extack);
}

/* Parse a request and look up its DEV_INDEX: a registration reference. */
static struct lite_device *lite_nl_get_dev(const struct nlmsghdr *nlh,
					   struct nlattr **tb,
					   struct netlink_ext_ack *extack)
{
	struct lite_device *dev;

	if (lite_nl_parse(nlh, tb, extack) || !tb[RDMA_NLDEV_ATTR_DEV_INDEX])
		return ERR_PTR(-EINVAL);
	dev = lite_device_get_by_index(nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]));
	return dev ?: ERR_PTR(-EINVAL);
}

static int fill_handle(struct sk_buff *msg, struct lite_device *dev)
{
	if (nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, dev->index) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_DEV_NAME, dev->name))
		return -EMSGSIZE;
	return 0;
}

static int fill_dev_info(struct sk_buff *msg, struct lite_device *dev)
{
	if (fill_handle(msg, dev) ||
	    nla_put_u32(msg, RDMA_NLDEV_ATTR_PORT_INDEX, LITE_PORT) ||
	    nla_put_u64_64bit(msg, RDMA_NLDEV_ATTR_CAP_FLAGS, 0,
			      RDMA_NLDEV_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, RDMA_NLDEV_ATTR_NODE_GUID,
			      be64_to_cpu(dev->node_guid),
			      RDMA_NLDEV_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, RDMA_NLDEV_ATTR_SYS_IMAGE_GUID,
			      be64_to_cpu(dev->node_guid),
			      RDMA_NLDEV_ATTR_PAD) ||
	    nla_put_u8(msg, RDMA_NLDEV_ATTR_DEV_NODE_TYPE, dev->node_type) ||
	    nla_put_u8(msg, RDMA_NLDEV_ATTR_DEV_DIM, 0) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_DEV_PROTOCOL, "roce"))
		return -EMSGSIZE;
	return 0;
}

static int fill_port_info(struct sk_buff *msg, struct lite_device *dev)
{
	if (fill_handle(msg, dev) ||
	    nla_put_u32(msg, RDMA_NLDEV_ATTR_PORT_INDEX, LITE_PORT) ||
	    nla_put_u8(msg, RDMA_NLDEV_ATTR_PORT_STATE, lite_port_state(dev)) ||
	    nla_put_u8(msg, RDMA_NLDEV_ATTR_PORT_PHYS_STATE,
		       lite_port_phys_state(dev)) ||
	    nla_put_u32(msg, RDMA_NLDEV_ATTR_NDEV_INDEX, dev->netdev->ifindex) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_NDEV_NAME, dev->netdev->name))
		return -EMSGSIZE;
	return 0;
}

/* Reply to a doit request with one message built by @fill. */
static int lite_nl_reply(struct sk_buff *skb, const struct nlmsghdr *req,
			 u32 cmd, struct lite_device *dev,
			 int (*fill)(struct sk_buff *, struct lite_device *))
{
	struct nlmsghdr *nlh;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	nlh = nlmsg_put(msg, NETLINK_CB(skb).portid, req->nlmsg_seq,
			RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd), 0, 0);
	if (!nlh) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = fill(msg, dev);
	if (err)
		goto err_free;
	nlmsg_end(msg, nlh);
	return nlmsg_unicast(lite_nl_sock, msg, NETLINK_CB(skb).portid);

err_free:
	nlmsg_free(msg);
	return err;
}

static int lite_nl_get_doit(struct sk_buff *skb, struct nlmsghdr *nlh,
			    u32 cmd, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct lite_device *dev;
	int err;

	dev = lite_nl_get_dev(nlh, tb, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (cmd == RDMA_NLDEV_CMD_PORT_GET &&
	    (!tb[RDMA_NLDEV_ATTR_PORT_INDEX] ||
	     nla_get_u32(tb[RDMA_NLDEV_ATTR_PORT_INDEX]) != LITE_PORT)) {
		lite_device_put(dev);
		return -EINVAL;
	}
	err = lite_nl_reply(skb, nlh, cmd, dev,
			    cmd == RDMA_NLDEV_CMD_GET ? fill_dev_info :
							fill_port_info);
	lite_device_put(dev);
	return err;
}

struct lite_dump_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	u32 cmd;
	u32 only_index;		/* U32_MAX: every device */
};

static int lite_dump_one(struct lite_device *dev, void *data)
{
	struct lite_dump_arg *arg = data;
	struct nlmsghdr *nlh;

	if (arg->only_index != U32_MAX && dev->index != arg->only_index)
		return 0;
	nlh = nlmsg_put(arg->skb, NETLINK_CB(arg->cb->skb).portid,
			arg->cb->nlh->nlmsg_seq,
			RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, arg->cmd), 0,
			NLM_F_MULTI);
	if (!nlh)
		return -EMSGSIZE;
	if ((arg->cmd == RDMA_NLDEV_CMD_GET ? fill_dev_info :
					      fill_port_info)(arg->skb, dev)) {
		nlmsg_cancel(arg->skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(arg->skb, nlh);
	return 0;
}

/* cb->args[0]: the device index to resume at. */
static int lite_nl_dump(struct sk_buff *skb, struct netlink_callback *cb,
			u32 cmd)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct lite_dump_arg arg = {
		.skb = skb, .cb = cb, .cmd = cmd, .only_index = U32_MAX,
	};
	u32 start = cb->args[0];

	/* The port dump may be narrowed to one device, as iproute2 does. */
	if (!lite_nl_parse(cb->nlh, tb, NULL) && tb[RDMA_NLDEV_ATTR_DEV_INDEX])
		arg.only_index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);

	if (start == U32_MAX)
		return 0;
	lite_walk_devices(&start, lite_dump_one, &arg);
	cb->args[0] = start;
	return skb->len;
}

static int lite_nl_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lite_nl_dump(skb, cb, RDMA_NLDEV_CMD_GET);
}

static int lite_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return lite_nl_dump(skb, cb, RDMA_NLDEV_CMD_PORT_GET);
}

static int fill_sys_info(struct sk_buff *msg, struct lite_device *unused)
{
	/* Devices are shared by all namespaces; pinned pages copy on fork. */
	if (nla_put_u8(msg, RDMA_NLDEV_SYS_ATTR_NETNS_MODE, 1) ||
	    nla_put_u8(msg, RDMA_NLDEV_SYS_ATTR_COPY_ON_FORK, 1))
		return -EMSGSIZE;
	return 0;
}

static int lite_nl_sys_get(struct sk_buff *skb, struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	return lite_nl_reply(skb, nlh, RDMA_NLDEV_CMD_SYS_GET, NULL,
			     fill_sys_info);
}

static int lite_nl_get_chardev(struct sk_buff *skb, struct nlmsghdr *nlh,
			       struct netlink_ext_ack *extack)
{
	char type[LITE_NL_CHARDEV_TYPE_SIZE];
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct lite_client_nl_info info = {};
	struct lite_device *dev;
	struct nlmsghdr *rnlh;
	struct sk_buff *msg;
	int err;

	dev = lite_nl_get_dev(nlh, tb, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	if (!tb[RDMA_NLDEV_ATTR_CHARDEV_TYPE]) {
		lite_device_put(dev);
		return -EINVAL;
	}
	nla_strscpy(type, tb[RDMA_NLDEV_ATTR_CHARDEV_TYPE], sizeof(type));
	err = lite_get_client_nl_info(dev, type, &info);
	lite_device_put(dev);
	if (err)
		return err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	rnlh = nlmsg_put(msg, NETLINK_CB(skb).portid, nlh->nlmsg_seq,
			 RDMA_NL_GET_TYPE(RDMA_NL_NLDEV,
					  RDMA_NLDEV_CMD_GET_CHARDEV), 0, 0);
	if (!rnlh ||
	    nla_put_u64_64bit(msg, RDMA_NLDEV_ATTR_CHARDEV,
			      huge_encode_dev(info.cdev->devt),
			      RDMA_NLDEV_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, RDMA_NLDEV_ATTR_CHARDEV_ABI, info.abi,
			      RDMA_NLDEV_ATTR_PAD) ||
	    nla_put_string(msg, RDMA_NLDEV_ATTR_CHARDEV_NAME,
			   dev_name(info.cdev)) ||
	    (info.driver_id &&
	     nla_put_u32(msg, RDMA_NLDEV_ATTR_UVERBS_DRIVER_ID,
			 info.driver_id))) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out;
	}
	nlmsg_end(msg, rnlh);
	err = nlmsg_unicast(lite_nl_sock, msg, NETLINK_CB(skb).portid);
out:
	put_device(info.cdev);
	return err;
}

static int lite_nl_newlink(struct sk_buff *skb, struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	char ibdev_name[LITE_DEVICE_NAME_MAX];
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	char ndev_name[IFNAMSIZ];
	struct net_device *ndev;
	char type[IFNAMSIZ];
	int err;

	err = lite_nl_parse(nlh, tb, extack);
	if (err || !tb[RDMA_NLDEV_ATTR_DEV_NAME] ||
	    !tb[RDMA_NLDEV_ATTR_LINK_TYPE] || !tb[RDMA_NLDEV_ATTR_NDEV_NAME])
		return -EINVAL;
	nla_strscpy(ibdev_name, tb[RDMA_NLDEV_ATTR_DEV_NAME],
		    sizeof(ibdev_name));
	nla_strscpy(type, tb[RDMA_NLDEV_ATTR_LINK_TYPE], sizeof(type));
	nla_strscpy(ndev_name, tb[RDMA_NLDEV_ATTR_NDEV_NAME],
		    sizeof(ndev_name));

	ndev = dev_get_by_name(sock_net(skb->sk), ndev_name);
	if (!ndev)
		return -ENODEV;
	err = lite_link_add(ibdev_name, type, ndev);
	dev_put(ndev);
	return err;
}

static int lite_nl_dellink(struct sk_buff *skb, struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	char name[LITE_DEVICE_NAME_MAX];
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct lite_device *dev;

	dev = lite_nl_get_dev(nlh, tb, extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	strscpy(name, dev->name, sizeof(name));
	/* Unregistration waits for registration references: drop ours. */
	lite_device_put(dev);
	return lite_link_del(name);
}

static int lite_nl_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			   struct netlink_ext_ack *extack)
{
	unsigned int op = RDMA_NL_GET_OP(nlh->nlmsg_type);
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	struct netlink_dump_control c = {};

	if (RDMA_NL_GET_CLIENT(nlh->nlmsg_type) != RDMA_NL_NLDEV)
		return -EOPNOTSUPP;

	switch (op) {
	case RDMA_NLDEV_CMD_GET:
	case RDMA_NLDEV_CMD_PORT_GET:
		if (!dump)
			return lite_nl_get_doit(skb, nlh, op, extack);
		c.dump = op == RDMA_NLDEV_CMD_GET ? lite_nl_get_dump :
						    lite_nl_port_dump;
		return netlink_dump_start(lite_nl_sock, skb, nlh, &c);
	case RDMA_NLDEV_CMD_SYS_GET:
		return lite_nl_sys_get(skb, nlh, extack);
	case RDMA_NLDEV_CMD_GET_CHARDEV:
		return lite_nl_get_chardev(skb, nlh, extack);
	case RDMA_NLDEV_CMD_NEWLINK:
	case RDMA_NLDEV_CMD_DELLINK:
		if (!netlink_capable(skb, CAP_NET_ADMIN))
			return -EPERM;
		return op == RDMA_NLDEV_CMD_NEWLINK ?
			lite_nl_newlink(skb, nlh, extack) :
			lite_nl_dellink(skb, nlh, extack);
	default:
		return -EOPNOTSUPP;
	}
}

static void lite_nl_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, lite_nl_rcv_msg);
}

int lite_nl_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = lite_nl_rcv,
	};

	lite_nl_sock = netlink_kernel_create(&init_net, NETLINK_RDMA, &cfg);
	if (!lite_nl_sock) {
		/* Typically ib_core owns the protocol already. */
		pr_err("ib_core_lite: NETLINK_RDMA is taken (is ib_core loaded?)\n");
		return -EBUSY;
	}
	lite_nl_sock->sk_sndtimeo = 10 * HZ;
	return 0;
}

void lite_nl_exit(void)
{
	netlink_kernel_release(lite_nl_sock);
}
