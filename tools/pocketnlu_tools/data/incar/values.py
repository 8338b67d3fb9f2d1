"""Value lists of the in-car dataset: what fills the slots and the out-of-scope templates.

Song, artist, album, street and station names are invented; cities are real. Edit freely: the
generator draws from these with a seeded random.Random, so a change here changes incar.jsonl.
"""

STREET_TYPES = (  # (spoken, typed abbreviation)
    ("street", "St"), ("avenue", "Ave"), ("road", "Rd"), ("boulevard", "Blvd"), ("drive", "Dr"),
    ("lane", "Ln"), ("court", "Ct"), ("way", "Way"), ("place", "Pl"),
)

SONGS = (
    "Paper Lanterns", "Midnight Garden", "Neon Rain", "Highway Hearts", "Copper Moon",
    "Lost in the Static", "Blue Ridge Morning", "Falling Upward", "Velvet Thunder",
    "Salt and Honey",
    "Streetlight Symphony", "Northern Lights Again", "Cassette Heart", "Echo Valley", "Kite String",
    "Orange Skies Over Ohio", "Ten Thousand Miles", "Dancing on the Overpass", "Gravel and Gold",
    "Borrowed Sunshine", "Static Bloom", "The Long Way Round", "Chasing the Tide", "Marigold",
    "Slow Motion Fireworks", "Silver Coast", "Lemonade Summer", "Ghost of the Harbor",
    "Sugar Maple", "Fever Dream Avenue", "Quiet Heart Parade", "Little Lighthouse",
)
ARTISTS = (
    "The Midnight Owls", "Luna Park Collective", "Marcus Reed", "Ivy and the Echoes", "Sofia Lind",
    "Desert Radio", "Kestrel Bay", "Jonah Wilde", "Amber Fields", "The Velvet Hours", "Rosa Mendes",
    "Crystal Harbor", "Nova Static", "Dani Holt", "The Lantern Club", "Theo Park",
    "Second Avenue Brass", "Wren and Willow", "Maya Sol", "Old Pine Stringband", "Felix Marlowe",
    "Hollow Tides", "Lena Fox", "The Brightwaters", "Ray Calloway",
)
ALBUMS = (
    "Northbound", "Glass Atlas", "Blue Hour Sessions", "Quiet Machines", "Coastlines",
    "Lanterns and Ladders", "The Orchard Tapes", "Gold Dust Motel", "Low Tide Letters",
    "Parallel Summers", "Ember", "Cartography", "Night Market", "Weathervane", "Slow Light",
    "Room to Breathe", "Paper Crowns", "The Mile Markers", "Songs from the Attic", "Wide Awake",
)
PLAYLISTS = (
    "road trip", "chill", "workout", "morning commute", "focus", "party", "sleep", "favorites",
    "throwback", "jazz classics", "kids", "summer hits", "country roads", "top forty",
)
STATION_NAMES = (
    "Harbor FM", "Sunset Radio", "Metro Talk", "Coastline Country", "Jazz Lounge Radio",
    "The River", "Radio Meridian", "Pulse FM", "Highland Public Radio", "Retro Radio", "The Breeze",
    "Lakeside Sports Radio",
)
CITIES = (
    "Chicago", "Boston", "Denver", "Seattle", "Austin", "Portland", "San Diego", "Sacramento",
    "Phoenix", "Nashville", "Atlanta", "Detroit", "Minneapolis", "Pittsburgh", "Toronto",
    "Montreal",
    "Vancouver", "Munich", "Berlin", "Lyon", "Milan", "Santa Fe", "Salt Lake City", "Kansas City",
    "New Orleans", "Albuquerque", "Omaha", "Cleveland", "Tucson", "Las Vegas", "San Francisco",
)
STREET_NAMES = (
    "Maple", "Oak", "Birchwood", "Harbor View", "Willow Creek", "Elm", "Cedar Hill", "Juniper",
    "Lakeshore", "Sunset Ridge", "Orchard", "Riverside", "Pinecrest", "Meadowlark", "Foxglove",
    "Granite", "Bluebell", "Copperfield", "Hawthorne", "Linden",
)
PLACES = (
    "home", "work", "the office", "the airport", "downtown", "the train station", "the stadium",
    "the mall", "school", "the gym", "mom's house", "the beach", "the city center", "the zoo",
    "the university", "the harbor",
)
POI_CATEGORIES = (
    "gas station", "charging station", "charger", "parking garage", "parking lot", "parking spot",
    "coffee shop", "cafe", "restaurant", "pharmacy", "hospital", "rest stop", "hotel",
    "grocery store", "bank", "car wash", "pizza place", "supermarket", "diner", "bakery",
    "tire shop", "mechanic",
)
POI_NEEDS = (
    "gas", "fuel", "coffee", "food", "parking", "lunch", "dinner", "breakfast", "groceries",
)
CONTACTS = (
    "Mom", "Dad", "Grandma", "Grandpa", "Anna", "Ben", "Carlos", "Diana", "Emily", "Frank", "Grace",
    "Hiro", "Isabel", "Jack", "Kevin", "Laura", "Mike", "Nina", "Olivia", "Priya", "Sam", "Tom",
    "Uncle Joe", "Aunt Maria", "Sarah Miller", "David Chen", "Lisa Park", "James Walker",
    "Doctor Patel", "Fatima",
)
MESSAGES = (
    "running ten minutes late", "on my way", "i'll be home soon", "can you pick up milk",
    "see you at six", "call me back when you can", "stuck in traffic", "just parked",
    "almost there", "leaving work now", "save me a seat", "happy birthday", "where are you",
    "be there in five minutes", "don't wait for me", "love you", "meeting ran late",
    "can we talk later", "i'm outside", "dinner sounds great",
)
WINDOWS = (
    "driver", "driver side", "passenger", "passenger side", "front passenger", "rear left",
    "rear right", "back left", "back right", "front left", "front right", "left rear", "right rear",
)
WINDOW_GROUPS = ("all", "both front", "both rear", "both back", "front", "rear", "back")
AMOUNTS = (
    "halfway", "half way", "a little", "a bit", "a crack", "all the way", "fully", "partway",
    "an inch", "a few inches",
)
SEATS = (
    "driver", "driver's", "passenger", "passenger's", "front passenger", "rear left", "rear right",
    "back", "rear",
)
SEAT_LEVELS = ("low", "medium", "high", "max", "off")
ZONES = ("driver", "passenger", "rear", "back", "front")
DIRECTIONS = (
    "forward", "forwards", "back", "backward", "backwards", "up", "down", "higher", "lower",
)
TIRES = (
    "front left", "front right", "rear left", "rear right", "back left", "back right", "left front",
    "right front", "left rear", "right rear", "spare",
)
FAN_WORDS = ("low", "medium", "high", "max", "maximum", "auto", "full")
VOLUME_WORDS = ("max", "maximum", "half", "low", "minimum", "medium")

# Out-of-scope fillers (plain text, not slots).
COUNTRIES = (
    "France", "Japan", "Canada", "Brazil", "Australia", "Kenya", "Norway", "Peru", "Egypt",
    "India", "Spain", "Mexico", "Italy", "Germany", "Chile",
)
FOODS = (
    "a pizza", "a large pepperoni pizza", "sushi", "tacos", "a burger", "pad thai", "chinese food",
    "a salad", "fried chicken", "dumplings", "a burrito", "ramen",
)
TOPICS = (
    "cats", "dogs", "penguins", "computers", "pirates", "the ocean", "space", "dinosaurs", "math",
    "cheese", "robots", "history",
)
HOME_DEVICES = (
    "lights", "coffee maker", "dishwasher", "porch light", "tv", "washing machine",
    "robot vacuum", "sprinklers", "garage door", "oven",
)
LANGUAGES = ("Spanish", "French", "German", "Japanese", "Italian", "Portuguese")
PHRASES = (
    "good morning", "thank you", "where is the library", "i love you", "how are you", "cheers",
)
LANDMARKS = (
    "the Eiffel Tower", "Mount Everest", "the Empire State Building", "Big Ben",
    "the Statue of Liberty", "the Golden Gate Bridge",
)
BOOKS = ("Moby Dick", "Pride and Prejudice", "Hamlet", "War and Peace", "The Odyssey", "Dracula")
CHORES = (
    "buy milk", "call the dentist", "water the plants", "pay the rent", "pick up the dry cleaning",
    "take out the trash", "feed the cat", "book a haircut",
)
INVENTIONS = ("the telephone", "the light bulb", "pizza", "the internet", "the bicycle", "chess")
GROCERIES = ("eggs", "bread", "milk", "bananas", "coffee beans", "paper towels", "apples", "rice")
PRODUCTS = (
    "new headphones", "a phone case", "running shoes", "a birthday present", "a desk lamp",
    "printer ink",
)
