<?php
// Router for PHP's built-in web server in front of MediaWiki: refuses the
// paths a web server must never hand out, and lets the server do the rest
// (PHP entry points, static files under resources/, skins/, extensions/).
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH ) ?? '/' );
$forbidden = '#^/(cache|config|images/(deleted|temp)|includes|languages|maintenance|mw-config|vendor|tests'
	. '|(extensions|skins)/[^/]+/(includes|maintenance|tests|vendor|i18n|sql))(/|$)'
	. '|/\.'
	. '|^/[^/]*\.(json|lock|txt|md)$'
	. '|^/LocalSettings\.php#i';
if ( preg_match( $forbidden, $path ) || strpos( $path, "\0" ) !== false ) {
	http_response_code( 403 );
	header( 'Content-Type: text/plain; charset=utf-8' );
	echo "Forbidden\n";
	return true;
}
return false;
