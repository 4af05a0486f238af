// SPDX-License-Identifier: Apache-2.0
/*
 * curl-loop.c - the curl multi socket interface on loop_io_* and loop_timer_*.
 */
#include <errno.h>
#include <stdlib.h>

#include "linend/curl-loop.h"

struct curl_req {
	curl_loop_fn fn;
	void *userdata;
};

struct curl_loop {
	struct loop *loop;
	CURLM *multi;
	struct loop_timer *timer;
};

static void check_done(struct curl_loop *cl)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(cl->multi, &left))) {
		struct curl_req *req = NULL;
		CURL *easy = m->easy_handle;
		CURLcode code = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
		curl_multi_remove_handle(cl->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		if (req) {
			curl_loop_fn fn = req->fn;
			void *ud = req->userdata;

			free(req);
			fn(easy, code, ud);
		}
	}
}

static void io_dispatch(struct loop_io *io, int fd, uint32_t revents, void *userdata)
{
	struct curl_loop *cl = userdata;
	int running, action = 0;

	if (revents & EPOLLIN)
		action |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		action |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		action |= CURL_CSELECT_ERR;
	curl_multi_socket_action(cl->multi, fd, action, &running);
	check_done(cl);
}

static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_loop *cl = userp;
	struct loop_io *io = socketp;
	uint32_t events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (io) {
			loop_io_free(io);
			curl_multi_assign(cl->multi, s, NULL);
		}
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	if (io)
		return loop_io_set_events(io, events) < 0 ? -1 : 0;
	if (loop_io_add(cl->loop, s, events, io_dispatch, cl, &io) < 0)
		return -1;
	curl_multi_assign(cl->multi, s, io);
	return 0;
}

static void timer_fired(struct loop_timer *t, void *userdata)
{
	struct curl_loop *cl = userdata;
	int running;

	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cl);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_loop *cl = userp;

	if (timeout_ms < 0) {
		loop_timer_disarm(cl->timer);
		return 0;
	}
	return loop_timer_arm(cl->timer, (uint64_t)timeout_ms * 1000) < 0 ? -1 : 0;
}

int curl_loop_new(struct loop *l, struct curl_loop **ret)
{
	_cleanup_(curl_loop_freep) struct curl_loop *cl = NULL;
	int r;

	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->loop = l;
	r = loop_timer_new(l, timer_fired, cl, &cl->timer);
	if (r < 0)
		return r;
	cl->multi = curl_multi_init();
	if (!cl->multi)
		return -ENOMEM;
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	*ret = TAKE_PTR(cl);
	return 0;
}

struct curl_loop *curl_loop_free(struct curl_loop *cl)
{
	if (!cl)
		return NULL;
	if (cl->multi)
		curl_multi_cleanup(cl->multi);
	loop_timer_free(cl->timer);
	free(cl);
	return NULL;
}

int curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_fn fn, void *userdata)
{
	struct curl_req *req;

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->fn = fn;
	req->userdata = userdata;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	if (curl_multi_add_handle(cl->multi, easy) != CURLM_OK) {
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(req);
		return -EIO;
	}
	return 0;
}

void curl_loop_remove(struct curl_loop *cl, CURL *easy)
{
	struct curl_req *req = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
	curl_multi_remove_handle(cl->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(req);
}
