/**
 * The words free text may keep when it leaves the process (allow-list scrubbing, issue #8 §2):
 * the words of error messages, HTTP, runtimes, our own messages and identifiers. Any other
 * word — a person's name above all, which no pattern can recognise — is replaced by
 * `[redacted]` (`core/scrub.ts`). Words that are also common first names (`will`, `mark`,
 * `may`, `grace`, `max`…) are left out on purpose: losing one in a message is cheaper than
 * keeping a name. Lowercase; a token is looked up lowercased and split at camelCase humps.
 *
 * Built from the words of this repository's own messages plus common error-message words; when
 * a message of ours comes out with `[redacted]` in it, add the word here.
 */
export const VOCABULARY: ReadonlySet<string> = new Set(
  `
  a aad able abnormal abort aborted aborterror about above absent accept accepted accepts access
  accessible account accounts acme across act action actions active activity actual actually
  adapters add added adding additional address addresses adjust admin adresse advance advertising
  aes after again against age agent aggregateerror ago agree ahead ai aid aim air ajax alert
  alerting alerts alg algorithm alive all allow allowed almost alone along alpine already also
  although always among amount amp an anchor and android angle angular anonymized another answer
  answered anthropic any anyone anything anyway anywhere api apis app appear application applied
  apply approve apps apr arch archived are area args argument arguments around array arrays arrive
  as ask asked asset assets assign assignment async at attach attachment attempt attempts attendee
  attributes au aucun aucune audience audit aupr auth authenticated authentication authority
  authorization auto automated automatic automation automatis availability available avoid
  awaiting away aws back backend background backoff backups bad balance base based baseline
  baselines bases basic basis batch be beacon bearer because become been before begin behind being
  believe belong below best better betterstack between beyond big bigint billing bind bit bits
  blink blob block blocked blocking board body bond book boolean boom boot both bottom bounce
  bounced bound box branch brand breadcrumb break bring broad broken browser browsers bucket
  buckets budget buffer bug bugs build bun bundle bundles burst busiest business buster busy but
  button by byte bytes cache cached calculate calendar calendars call callback callbacks calls
  came camp campaign campaigns can canceled cancelled cannot cap capacity capture card care carry
  cart case cases catalog catch caught cause cb center cents cert certain certificate certificates
  cessaire cfg ch chain chains chance change changed channel channels char character characters
  charge charset chart check checked child children choice choose chosen chrome chromium chunk
  chunks ci circle circular cjs claim claims clamation class clauses clean clear cli click client
  clients climb clock clone close closed closer cloud cloudwatch cls cluster cname cnil co code
  codes col coldstart collapse collect collected collection collector collectors color column
  columns com combine come command commander comment commission commit common companies company
  compare compile complaint complaints complete completed complex compliance component components
  compressed compris compte compute concat condition conf confidentialit config configured confirm
  confirmation conflict connect connection connections connexion consent consider consist console
  constant constraint constraints contact contacted contacts contain container content contentful
  context contexts continue contract contractual control controller convert cookie cookies copy
  core correct cost could count counted counter country counts course cover covers crash crashed
  create created creation credit critical crivez cron cross crypto css ctx current cursor custom
  customer cut cution cycle daily damage dans dark darwin dash dashboard data database databases
  dataset datasource date dates day days db dd de dead deadline deadlines deadlock deal debian
  debug decide decimal decision declaration declare declared decompressed dedup deep deeper
  default defer defined definition degraded degree delay delete deleted deliver deliverability
  delivered delivery demand denied deno deny depend deploy deployment deps depth der des describe
  deserialization design desktop dessus detail detect determine dev develop development device
  devices did differ different digest digit digits dir direct directories directory disable
  disabled discard dismiss dispatch dispatcher display dist distinct divide dkim dmarc dns do docs
  doctype document documents does doing dollars dom domain domainkey domains domexception done
  donn double dow down dpo dpr draft drag draw drills drive droits drop dropped dsn dst du due
  dump duplicate duration during dynamic each eaddrinuse eai early earn econnaborted econnrefused
  econnreset ed edge edit effacement effect effects effort ehostunreach either element elements
  else email emails emit empty en enable enabled encode encoding end endpoint ends enduser
  enetunreach enforced engine enne enodata enotfound enough enrich enriched enrichissement
  enrichment enrichments ensure enter entire entries entry env envelope environment envs epipe
  equal erase erased erasure err error errors es esbuild escape est estimate et etimedout eu europ
  europe european evalerror evaluate even evening event events ever every ex exact example exceed
  exceeded except exception exceptions exchange executable execute execution executions exercer
  exercise exhausted exist existing exists exit exited exp expand expect expected expire expired
  expiry explain export exporter exports extend extended external extra extract faas face fact
  fail failed failing fails failure failures fall false far fast fatal favorite fcp feature
  features fee feed feel fetch few fid field fields file files fill filter filtered final finalit
  finally find fine finish finished fire firefox firing first fit fix fixed flag flat float flow
  flush fmt fn focus folder folders follow fonction font fonts for forbidden force foreign form
  format forward found fp frame frames france free frequency fresh fri from front frontend fs full
  function functions fund further future gain gap gateway gauge gcm gdpr gecko general generate
  generated generic get gets gitime give given global gmt goal gone good google googleapis got
  gotten grafana graph graphql great green group grouping grow gt gu guard guess guide gzip had
  haiku half halt hand handle handler handlers handshake hang happen hard has hash have having he
  head header headers headless headline health healthy healthz heartbeat heartbeats heavy height
  held help her here hers hex hidden hide high him his histogram history hit hits hmac hold
  holding holds home hono hook hooks host hostname hot hour hours how href hs html http https huge
  hung i ia iat id idea identifier identify idle ids idx if ignore image images impact implement
  imply import imported imports in inbox incident incidents include includes income increase
  indeed index indexes indexof indicate infer infinity info information informons init
  initialization initialize inner inp input insecure insert inserted inside inspect install
  instance instant instead instrument instrumentation insufficient int integer intend interaction
  interest internal interval intervals into invalid invalidstateerror inverse invocation
  invocations invoked io ios is iso isostring iss issue issuer it item items its javascript job
  jobs join journal jours js json jsx just jwks jwt keep kept key keyed keys kill kilobyte kind
  know known la label labels lack lai lambda land lang language large larger largest last late
  later launch layer layout lcp le lead leads leak learn least leave ledger left legacy legal
  legitimate length les less let letter lettered letters leur leurs level levels lexical li lib
  library lien lift light like likely limit limited limiter limits line lines link linked linkedin
  links linux list liste listen listener listeners lists little live load loaded loading local
  localhost locate location lock locked locks log logger logic login logout logs long longer
  longtask look lookup lookups loop loose lost lot low lower lowercase lt mac machine macos made
  mail main maintain major make malformed manage manual many map maps margin match matter maximum
  mb md me mean measure mechanism medium meet meeting meetings megabyte member memory merge
  message messages messaging method methods metric metrics microsecond microsoft middle middleware
  might migrate migration migrations millisecond min mind mine minimum minor minute minutes mirror
  mismatch miss missing mix mjs mm mobile mode model modify module modules mois moment mon money
  monitor monitoring monitors month monthly months more most motif move mrkdwn ms msg much
  multiple must my name names nan nanosecond native navigate navigation nbf ne near nearly need
  needed needs negative nested net network networkerror never new newer newest news next nice no
  node nodejs nodes non nonce none nor normal nosniff not notallowederror note notes notfounderror
  nothing notice notification notifications nous now npm npx ns null number numbers numeric nuxt
  object objecting objection objects obligation observer observers obtain occur occurred
  occurrences of off offer office officer official offline often ok okay old oldest on onboarding
  once one onerror online only onto onunhandledrejection opaque open opened opentelemetry opera
  operation operations opposition option optional options or order org organizations orgs
  orientation origin original origins os osx otel other otlp ou our ours out outbound outbox
  outcome outer output outreach outside over overall overdue overflow overloaded overrun own owner
  pack package pad page pageload pages paging paint pair panel par parent paris parse part partial
  pass password passwords past patch path paths pause pay payload peak peer pem pending people per
  percent perform performance period permission permissions person personal personalise pg phantom
  phantombuster phase phone phones pick pid piece ping pipe pixel pkcs place plain plan platform
  play please plus pod point policy politique poll pool pop popular port portability portion ports
  position positive possible post postgres postgresql posts pour pouvez power prefer premier
  prepare prerender present press prev prevent previous price prices primary print prior privacy
  private probably probe problem problems process processor processors prod produce product
  production professional professionals professionnels profil profile profiles profils profit
  progress project projected projection prometheus promise promises prompt proof prop proper
  properties property props prospect prospecting prospection prospects protection protocol
  protocols provide provider providers pruned public publicit publics pubsub pull pulumi purge
  purpose push put qu quality quantity quarter query queryid question queue queued quick quiet
  quite quot quota quotaexceedederror raise raised random range rangeerror rank rate ratelimit
  rather ratio raw re reach reached react read readable readiness reading ready readyz real reason
  rebuild receipt receipts received recent reconnect record recorded records recover rect
  rectification red redacted redis reduce reducer ref refer referenceerror referrer reflect
  refresh refused region register regular reject rejected rejection relate relation relations
  release reload rely remain remaining remote remove removed render rendered rendering rendez
  repeat replace replay replies reply report reports represent req request requests require
  required res reserve reserved reset resize resolve resolved resolver resource resources respond
  response responses rest restart restarted restore restriction result results retain retention
  retries retry retryable return reuse reverse review revoked rgpd right rights rise risk role
  roles rollback root round route routes row rows rpc rs rule run runbook runbooks runnable
  running runs runtime runtimes safari safe said sale same sample sandbox save scale scan scans
  schedule scheduled schema schemaname schemas scheme scope scopes score scrape scraped scraper
  scraping screaming screen script scripts scrub sdk seal sealed search searched season seat sec
  second seconds secret section security securityerror see seed seem segment select selected
  selector selectors self send sending sense sent sentry separate seq sequence sequences
  sequential series serve server servers service services session sessions set sets setting
  settings setup several severity sha shall shape share shared she sheet shift ship short shortly
  should show shows side sign signal signature signed signin signing signup similar simple since
  single sinscription site size skip skipped sla slack slice slot slow slug small smaller smart
  smtp snapshot sns so sock socket sockets soft solid solve some sonnet soon sort source sources
  sous space span spans spare speak special specific speed spend spf spki splice split spot spread
  sql sqs square src ss ssl stable stack stacktrace stage staging stale stall standard start
  started starting starts stat state statement statements states static statio statistics stats
  status stay stdin step steps still stop stopped stopping stops storage store stores straight
  stream streams strict string stringify strings strong structure stuck style styles sub subject
  submit succeed succeeded success successful such suffix suggest suit suivi sum summary sun
  supabase supply support supported suppressed suppression sur sure surface svelte svg switch
  symbol sync syntax syntaxerror system table tables tablet tag tail take talk target task tbt tcp
  team telemetry tell temp template tenant term terminal terms test testing tests text th than
  that the their theirs them then there these they thing think third this those though thread
  three threshold through throw thrown throws tick tier tight till time timed timeout timer times
  timestamp timezone tip title tls tmp to today together token tokens too tool top topic total
  totals touch tout toward trace traces track tracking trade traffic trail traitement transaction
  transactions transfer transfert tree trial trigger trim true truncate truncated trust try ts tsa
  tsx ttfb ttl tunnel turn twice two txt type typeerror typeof types typescript ubuntu ui un
  unauthenticated unauthorized unavailable uncaught undefined undelivered under understand une
  unexpected unhandled unhandledrejection unhealthy union unique uniquement unit united unknown
  unless unlock unmatched unreachable unread unsubscribe unsubscribed unsupported until unused
  unverified up update updated upgrade upload upper upsert upstash uptime uri uricomponent
  urierror uris url urls us usage usd use used useful user users uses usual utc utf utilisateurs
  uuid valid validate validation value values variable variables vary verification verified
  verifies verify version versions very via view viewport vigie violates violation violations
  visibility visible visit vite volume vos vous vs vue wait waiting walk want warm warn warning
  was watch way we weak web webhook webkit webpack week weekly weeks weight well were what when
  where which while white who whole whom whose why wide width window windows wiring wish with
  within without word words work worker workflow workflows world worry worst worth would wrap
  wrapper write writing wrong www xact xhr xml year years yes yet you your yours yyyy za zero zod
  zone zoned
`
    .split(/\s+/)
    .filter(Boolean),
);
