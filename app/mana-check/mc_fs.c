/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mana-check: reading small files under the --root directory.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc.h"

int
mc_path(const char *root, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t rl = strlen(root);
	int n;

	if (rl >= len) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(buf, root, rl);
	va_start(ap, fmt);
	n = vsnprintf(buf + rl, len - rl, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - rl) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int
mc_read_str(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	size_t got = 0;
	int fd;

	if (cap == 0)
		return -EINVAL;
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < cap - 1) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			buf[0] = '\0';
			return (int)n;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	while (got > 0 && isspace((unsigned char)buf[got - 1]))
		buf[--got] = '\0';
	return (int)got;
}

int
mc_read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	int ret;

	ret = mc_read_str(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno != 0 || end == buf || (*end != '\0' && !isspace((unsigned char)*end)))
		return -EINVAL;
	return 0;
}

int
mc_read_link_base(const char *path, char *buf, size_t cap)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	base = strrchr(target, '/');
	base = base != NULL ? base + 1 : target;
	if (strlen(base) >= cap)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

bool
mc_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

bool
mc_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
mc_list_dir(const char *path, char ***names)
{
	struct dirent *de;
	char **v = NULL, **nv;
	int n = 0, cap = 0;
	DIR *d;

	*names = NULL;
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (v[n] == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), cmp_names);
	*names = v;
	return n;
nomem:
	closedir(d);
	mc_free_names(v, n);
	return -ENOMEM;
}

void
mc_free_names(char **names, int n)
{
	int i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
mc_file_key(const char *path, const char *key, char sep, char *buf, size_t cap)
{
	size_t klen = strlen(key);
	char *line = NULL;
	size_t llen = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (getline(&line, &llen, f) != -1) {
		char *p = line, *v, *e;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, klen) != 0)
			continue;
		v = p + klen;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != sep)
			continue;
		v++;
		while (isspace((unsigned char)*v))
			v++;
		e = v + strlen(v);
		while (e > v && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (strlen(v) >= cap) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, v);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

int
mc_parse_version(const char *s, unsigned int *v, int n)
{
	int i = 0;

	while (i < n && isdigit((unsigned char)*s)) {
		char *end;

		v[i++] = (unsigned int)strtoul(s, &end, 10);
		if (*end != '.')
			break;
		s = end + 1;
	}
	return i;
}
