# Sourced by the client tests that put nginx in front of keepdav.
#   nginx_conf DIR PORT LOCATIONS  writes DIR/nginx.conf: nginx on 127.0.0.1:PORT, its pid file and
#                                  temporary files under DIR, errors to DIR-error.log (beside DIR),
#                                  and LOCATIONS (nginx text) in its server block
#   nginx_foreground DIR           becomes nginx running that configuration in the foreground (exec:
#                                  call it in the background, COMMAND &, and $! is nginx's PID)
nginx_conf() {
    local dir=$1 port=$2 locations=$3
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
pid $dir/nginx.pid;
error_log $dir-error.log;
events {}
http {
	access_log off;
	client_body_temp_path $dir/body;
	proxy_temp_path $dir/proxy;
	fastcgi_temp_path $dir/fastcgi;
	uwsgi_temp_path $dir/uwsgi;
	scgi_temp_path $dir/scgi;
	server {
		listen 127.0.0.1:$port;
		$locations
	}
}
EOF
}

nginx_foreground() { exec nginx -p "$1/" -e "$1-error.log" -c "$1/nginx.conf" -g 'daemon off;'; }
