/* A diagnostic for bench/portal/run --nodelay, not part of skein: preloaded into `skein serve`
 * (LD_PRELOAD), it sets TCP_NODELAY on every accepted socket, which cpp-httplib 0.11 leaves off
 * (CPPHTTPLIB_TCP_NODELAY defaults to false). With Nagle's algorithm on, a response written in two
 * pieces (headers, then the body) on a kept-alive connection waits for the client's delayed ACK
 * (~40 ms on Linux) before its second piece leaves. Measuring with and without this shows how much
 * of a latency is that wait and how much is the server's own work. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
  if (fd >= 0) {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  int out = real(fd, addr, len);
  nodelay(out);
  return out;
}

int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  int out = real(fd, addr, len, flags);
  nodelay(out);
  return out;
}
