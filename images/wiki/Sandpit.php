<?php
// Sandpit's settings for the wiki, loaded at the end of LocalSettings.php
// (which MediaWiki's installer wrote when the image was built).
//
// Learners reach the wiki through Sandpit's reverse proxy, under a host name
// and port that differ from one sandbox to the next (and from the ones the
// wiki was installed with), so every URL the wiki makes is built from the
// request it answers:
//
// - the server is the browser's host (X-Forwarded-Host, else Host) with the
//   request's protocol (https when X-Forwarded-Proto says so). Links and
//   resources are server-relative paths; the few absolute URLs (redirects)
//   use this server. (Not protocol-relative: then the login page offers a
//   "secure connection" link to https on the same port.)
// - a path prefix given in X-Forwarded-Prefix (Sandpit's path fallback,
//   /s/<token>/proxy/<port>, which the proxy strips before forwarding) is put
//   in front of every path, and the wiki's cookies are kept under it.
//
// Maintenance scripts (no request) use http://127.0.0.1:8080.

$sandpitHost = null;
foreach ( [ 'HTTP_X_FORWARDED_HOST', 'HTTP_HOST' ] as $sandpitHeader ) {
	if ( isset( $_SERVER[$sandpitHeader] ) ) {
		// A chain of proxies may list several hosts: the first is the browser's.
		$sandpitHost = trim( explode( ',', $_SERVER[$sandpitHeader] )[0] );
		break;
	}
}
if ( $sandpitHost !== null ) {
	if ( !preg_match( '/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$/', $sandpitHost ) ) {
		$sandpitHost = 'localhost:8080';
	}
	$wgServer = WebRequest::detectProtocol() . '://' . $sandpitHost;

	$sandpitPrefix = rtrim( $_SERVER['HTTP_X_FORWARDED_PREFIX'] ?? '', '/' );
	if ( $sandpitPrefix !== ''
		&& preg_match( '#^(/[A-Za-z0-9._~-]+)+$#', $sandpitPrefix )
		&& !preg_match( '#/\.\.?(/|$)#', $sandpitPrefix )
	) {
		$wgScriptPath = $sandpitPrefix;
		$wgCookiePath = $sandpitPrefix;
		// MediaWiki reads the title from the path the browser asked for.
		$_SERVER['REQUEST_URI'] = $sandpitPrefix . $_SERVER['REQUEST_URI'];
		// Rendered pages keep their links' paths: those rendered under a
		// prefix get parser cache entries of their own.
		$wgHooks['PageRenderingHash'][] = static function ( &$confstr ) use ( $sandpitPrefix ) {
			$confstr .= '!sandpit-prefix=' . md5( $sandpitPrefix );
		};
	} else {
		$wgScriptPath = '';
	}
} else {
	$wgServer = 'http://127.0.0.1:8080';
	$wgScriptPath = '';
}
unset( $sandpitHost, $sandpitHeader, $sandpitPrefix );

// Everything else follows the script path (MediaWiki derives $wgScript,
// $wgLoadScript, $wgArticlePath, … from it after this file).
$wgResourceBasePath = $wgScriptPath;
$wgStylePath = "$wgScriptPath/skins";
$wgExtensionAssetsPath = "$wgScriptPath/extensions";
$wgLogos = [
	'1x' => "$wgResourceBasePath/resources/assets/mediawiki.png",
	'icon' => "$wgResourceBasePath/resources/assets/mediawiki.png",
];
$wgFavicon = "$wgResourceBasePath/resources/assets/mediawiki.png";
$wgForceHTTPS = false;
$wgSecureLogin = false;
$wgCookieSecure = 'detect';

// Data outside the document root: SQLite files in /srv/wiki/db (set by the
// installer), caches (localisation, …) in /srv/wiki/cache.
$wgCacheDirectory = '/srv/wiki/cache';
$wgEnableUploads = false;

// An organisation's wiki: everyone may read; editing needs an account, and
// accounts are handed out (scenarios create them with createAndPromote.php).
$wgGroupPermissions['*']['edit'] = false;
$wgGroupPermissions['*']['createpage'] = false;
$wgGroupPermissions['*']['createtalk'] = false;
$wgGroupPermissions['*']['createaccount'] = false;

// No mail leaves a sandbox.
$wgEnableEmail = false;
$wgEnableUserEmail = false;

// A training wiki: show what went wrong rather than an opaque error id.
$wgShowExceptionDetails = true;

// The editing toolbar (WikiEditor, loaded by the installer) for everyone.
$wgDefaultUserOptions['usebetatoolbar'] = 1;
